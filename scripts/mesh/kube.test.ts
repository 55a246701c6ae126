import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfrastructureError, UsageError } from "../errors.ts";
import { loadKubeConfig, loadRunKubeConfig } from "./kube.ts";

// Whose kubeconfig is broken decides the exit code: the user's own (--kubeconfig) is bad input,
// exit 2 before anything starts; one a cluster the run made wrote is that cell's infrastructure
// error, and the run goes on to the next cell.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ssc-kube-"));
  await writeFile(join(dir, "garbage"), "this: [is not: a kubeconfig");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("loading a kubeconfig", () => {
  it("the user's broken or missing kubeconfig is bad input", () => {
    expect(() => loadKubeConfig(join(dir, "garbage"))).toThrow(UsageError);
    expect(() => loadKubeConfig(join(dir, "missing"))).toThrow(/^--kubeconfig .*missing: no such file/);
  });

  it("a run's own broken or missing kubeconfig is the cell's infrastructure error", () => {
    for (const f of ["garbage", "missing"]) {
      let thrown: unknown;
      try {
        loadRunKubeConfig(join(dir, f));
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(InfrastructureError);
      expect((thrown as Error).message).toMatch(new RegExp(`^the cell's kubeconfig ${dir}/${f}: `));
    }
  });
});
