import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InfrastructureError, UsageError } from "../../errors.ts";
import { kubeConfigFor } from "../../testing/apiserver.ts";
import { type HandlerBench, handlerBench } from "../../testing/step-run.ts";
import { preflight } from "./preflight.ts";

let b: HandlerBench | undefined;
afterEach(async () => b?.dispose());

describe("preflight", () => {
  it("refuses a Docker smaller than the cell's requests, saying what is needed", async () => {
    b = await handlerBench({});
    b.o.docker = { version: "28.2.2", cpus: 1, memoryBytes: 8 * 1024 ** 3 };
    const err = await preflight(b.run("preflight")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(
      /^cell istio-1\.31\.1-default-k8s-1\.36 requests 1\.\d\d CPUs and \d\.\d GiB of memory, but Docker has 1 CPUs and 8\.0 GiB: give Docker at least 2 CPUs/,
    );
  });

  it("passes a 2-CPU Docker for a whole cell", async () => {
    b = await handlerBench({});
    b.o.docker = { version: "28.2.2", cpus: 2, memoryBytes: 7 * 1024 ** 3 };
    await expect(preflight(b.run("preflight"))).resolves.toBeUndefined();
  });

  it("with --reuse reads the kubeconfig ssc up left and asks Docker nothing; a broken one is the cell's error", async () => {
    b = await handlerBench({});
    b.o.reuse = true;
    // No Docker in the options, none on this machine: asking would fail.
    await mkdir(dirname(b.state.kubeconfig), { recursive: true });
    await writeFile(b.state.kubeconfig, "clusters: [unclosed");
    await expect(preflight(b.run("preflight"))).rejects.toThrow(
      /^the cell's kubeconfig .*: not a kubeconfig/,
    );
    await writeFile(b.state.kubeconfig, kubeConfigFor("http://127.0.0.1:1").exportConfig());
    await expect(preflight(b.run("preflight"))).resolves.toBeUndefined();
  });

  it("on a cluster of your own only reads the kubeconfig, and bad YAML is bad input", async () => {
    const bad = join(await import("node:os").then((os) => os.tmpdir()), `ssc-bad-kc-${process.pid}`);
    await writeFile(bad, "clusters: [unclosed");
    b = await handlerBench({ provider: "existing", kubeconfig: bad });
    await expect(preflight(b.run("preflight"))).rejects.toBeInstanceOf(UsageError);
  });
});
