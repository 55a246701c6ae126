import type { Handler } from "../context.ts";
import { runTool } from "./process.ts";

/** istioctl's own --readiness-timeout is istioReady, per component, and 1.24+ waits for the
 * components one after another; the process budget must outlast those waits, never cut them off. */
export function istioctlProcessBudget(istioReadyMs: number): number {
  return 2 * istioReadyMs + Math.min(60_000, istioReadyMs);
}

export const istioInstall: Handler<"istio-install"> = async (r) => {
  await runTool({
    display: "istioctl",
    file: r.state.istioctl!,
    args: r.step.argv!.slice(1),
    timeout: {
      name: "istioReady x2 + margin",
      ms: istioctlProcessBudget(r.o.timeouts.istioReady),
      flag: "istioReady",
    },
    signal: r.o.signal,
    env: { KUBECONFIG: r.state.kubeconfig },
  });
};
