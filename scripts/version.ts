import { readFileSync } from "node:fs";

/** The suite's version, from package.json, for reports. */
export const SUITE_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
