import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InfrastructureError } from "../../errors.ts";
import { type HandlerBench, handlerBench } from "../../testing/step-run.ts";
import { k3sStart } from "./k3s-start.ts";

let b: HandlerBench | undefined;
let saved: string | undefined;
afterEach(async () => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
  await b?.dispose();
});

describe("k3s-start", () => {
  it("without a container runtime: an infrastructure error, and a teardown that copes with nothing started", async () => {
    b = await handlerBench({ provider: "k3s", istio: "1.31", test: ["SidecarSecureListeners"] });
    // testcontainers must find no runtime, whatever this machine has.
    saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(b.root, "no-docker.sock")}`;
    b.o.docker = { version: "stand-in", cpus: 4, memoryBytes: 8 * 1024 ** 3 };
    const err = await k3sStart(b.run("start-k3s")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(/^k3s container rancher\/k3s:v1\.36\.2-k3s1 did not start: /);
    expect(b.state.clusterReady).toBe(false);
    const report = await b.t.runOnce(false, true);
    expect(report).toEqual({ removed: ["k3s container rancher/k3s:v1.36.2-k3s1"], kept: [], failed: [] });
  });
});
