import { describe, expect, it } from "vitest";
import { error, fail, pass } from "./verdict.ts";

describe("verdicts", () => {
  it("carry their kind, probe, summary and evidence, with no evidence by default", () => {
    expect(pass("p", "s")).toEqual({ probe: "p", verdict: "pass", summary: "s", evidence: [] });
    expect(fail("p", "s")).toEqual({ probe: "p", verdict: "fail", summary: "s", evidence: [] });
    expect(error("p", "s")).toEqual({ probe: "p", verdict: "error", summary: "s", evidence: [] });
    expect(fail("p", "s", ["e"]).evidence).toEqual(["e"]);
  });
});
