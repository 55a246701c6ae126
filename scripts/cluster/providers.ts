// Where a cell's cluster comes from. A leaf, so the plan can name providers without importing the
// code that drives them.
export type Provider = "kind" | "k3s" | "existing";
export const PROVIDERS: readonly Provider[] = ["kind", "k3s", "existing"];
