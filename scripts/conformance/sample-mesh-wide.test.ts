import { describe, expect, it } from "vitest";
import { error, fail, pass } from "../probes/verdict.ts";
import { asPredicted, SAMPLE_MESH_WIDE_PREDICTION } from "./sample-mesh-wide.ts";

describe("the prediction", () => {
  it("names the mechanism, its precedent and the opt-out the suite's own Prometheus uses", () => {
    expect(SAMPLE_MESH_WIDE_PREDICTION).toMatch(
      /^with the secure ports on mesh-wide, the unchanged sample scrapes itself/,
    );
    expect(SAMPLE_MESH_WIDE_PREDICTION).toContain("cf. istio#31301");
    expect(SAMPLE_MESH_WIDE_PREDICTION).toContain('both ports set to "0" in its own proxyMetadata');
  });
});

describe("asPredicted", () => {
  it("reads a probe's failure as the prediction holding, its pass as a contradiction, an error as it is", () => {
    const selfFound = fail("self-scrape", "Prometheus scrapes itself: 1 UP target(s)", ["ev"]);
    expect(asPredicted(selfFound)).toEqual(
      pass(
        "self-scrape",
        `as predicted, Prometheus scrapes itself: 1 UP target(s): ${SAMPLE_MESH_WIDE_PREDICTION}`,
        ["ev"],
      ),
    );
    const none = pass("scrape-origin", "x serves the workload's own metrics", ["e2"]);
    expect(asPredicted(none)).toEqual(
      fail(
        "scrape-origin",
        `finding contradicted: x serves the workload's own metrics; predicted: ${SAMPLE_MESH_WIDE_PREDICTION}`,
        ["e2"],
      ),
    );
    const cannot = error("self-scrape", "no UP target");
    expect(asPredicted(cannot)).toBe(cannot);
  });
});
