// The field manager of every server-side apply and patch the suite sends: "ssc" marks the fields it
// owns. A leaf, so the plan can print the exact kubectl flags without loading the API client.
export const FIELD_MANAGER = "ssc";
