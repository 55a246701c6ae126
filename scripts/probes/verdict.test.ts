import { describe, expect, it } from "vitest";
import { error, fail, pass, worstOf } from "./verdict.ts";

describe("verdicts", () => {
  it("carry their kind, probe, summary and evidence, with no evidence by default", () => {
    expect(pass("p", "s")).toEqual({ probe: "p", verdict: "pass", summary: "s", evidence: [] });
    expect(fail("p", "s")).toEqual({ probe: "p", verdict: "fail", summary: "s", evidence: [] });
    expect(error("p", "s")).toEqual({ probe: "p", verdict: "error", summary: "s", evidence: [] });
    expect(fail("p", "s", ["e"]).evidence).toEqual(["e"]);
  });
});

describe("worstOf", () => {
  const ok = pass("p", "15091 ok");
  const ok2 = pass("p", "15092 ok");
  const err = error("p", "15091 cannot tell");
  const bad = fail("p", "15092 refused");
  it("is a failure if any verdict failed, whatever comes before it", () => {
    expect(worstOf([ok, err, bad], "p")).toBe(bad);
  });
  it("is an error if none failed and one could not tell", () => {
    expect(worstOf([ok, err, ok2], "p")).toBe(err);
  });
  it("is the first pass when all passed", () => {
    expect(worstOf([ok, ok2], "p")).toBe(ok);
  });
  it("is an error naming the probe when there is nothing to judge", () => {
    expect(worstOf([], "mtls")).toEqual(error("mtls", "no verdicts"));
  });
});
