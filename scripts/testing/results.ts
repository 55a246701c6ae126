import type { CellResult, RunResult, TestResult } from "../report/model.ts";

// Recorded-result builders for the report writers' and the merge's tests: plain data, the shape
// results.json has.
export const t = (id: string, status: TestResult["status"], extra: Partial<TestResult> = {}): TestResult => ({
  id,
  status,
  provisional: false,
  verdicts: [],
  ...extra,
});

export const cell = (
  id: string,
  profile: string,
  tests: TestResult[],
  extra: Partial<CellResult> = {},
): CellResult => ({
  id,
  istioVersion: "1.31.1",
  profile,
  kubernetesVersion: "1.36.1",
  nodeImage: "kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5",
  secureMetricsMode: "native",
  provider: "kind",
  tools: {
    kind: { version: "v0.32.0", sha256: "a".repeat(64) },
    istioctl: { version: "1.31.1", sha256: "b".repeat(64) },
  },
  tests,
  ...extra,
});

export const run = (cells: CellResult[]): RunResult => ({
  runId: "r1",
  started: "2026-11-22T00:00:00Z",
  finished: "2026-11-22T00:20:00Z",
  suiteVersion: "0.1.0",
  command: "ssc run --istio 1.31 --profile default,ambient --organization acme",
  implementation: {
    organization: "acme",
    project: "acme-mesh",
    url: "https://acme.example",
    version: "2.4.0",
    contact: ["@mesh-team"],
  },
  cells,
});
