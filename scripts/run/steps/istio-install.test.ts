import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InfrastructureError } from "../../errors.ts";
import { writeStandIns } from "../../testing/stand-ins.ts";
import { type HandlerBench, handlerBench } from "../../testing/step-run.ts";
import { istioctlProcessBudget, istioInstall } from "./istio-install.ts";

let b: HandlerBench | undefined;
let saved: NodeJS.ProcessEnv | undefined;
afterEach(async () => {
  if (saved) process.env = saved;
  await b?.dispose();
});

describe("istio-install", () => {
  it("gives istioctl --readiness-timeout istioReady and a process budget beyond it", () => {
    for (const ms of [1_000, 60_000, 300_000, 1_800_000])
      expect(istioctlProcessBudget(ms)).toBeGreaterThan(2 * ms);
  });

  it("runs the plan's command with the overlay, and a failure carries istioctl's last lines", async () => {
    b = await handlerBench({ timeouts: { istioReady: 420_000 } });
    const tools = await writeStandIns(join(b.root, "tools"));
    saved = process.env;
    process.env = { ...process.env, ...tools.env({ istioctlInstall: "fail" }) };
    b.state.istioctl = join(tools.dir, "istioctl");
    const err = await istioInstall(b.run("install-istio")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(
      /^istioctl install -y .* --readiness-timeout 7m failed \(exit 1\): Error: failed to install manifests: stand-in told to fail$/,
    );
    const [call] = await tools.calls();
    expect(call!.args).toEqual([
      "install",
      "-y",
      "--kubeconfig",
      b.state.kubeconfig,
      "-f",
      join(b.o.workDir, b.cell.id, "manifests", "istio", "install.yaml"),
      "--readiness-timeout",
      "7m",
    ]);
  });
});
