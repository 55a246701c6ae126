import semver from "semver";

// Minors ("1.31") as the catalog, the plan and the update script compare and derive them: one rule.

/** Orders two minors ("1.9" < "1.10"). */
export const compareMinors = (a: string, b: string): number => semver.compare(`${a}.0`, `${b}.0`);

/** The minor of a full version: "1.36.1" -> "1.36". */
export const minorOfPatch = (version: string): string => version.split(".").slice(0, 2).join(".");
