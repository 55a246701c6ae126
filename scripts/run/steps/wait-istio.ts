import { daemonSetReady, deploymentReady } from "../../mesh/readiness.ts";
import { waitFor } from "../../mesh/wait.ts";
import type { Handler } from "../context.ts";

export const waitIstio: Handler<"wait-istio"> = async (r) => {
  const namespace = "istio-system";
  const w = { timeout: { name: "istioReady", ms: r.o.timeouts.istioReady }, signal: r.o.signal };
  await waitFor(r.kc(), { kind: "Deployment", namespace, name: "istiod" }, deploymentReady, w);
  if (r.cell.profile === "ambient") {
    await waitFor(r.kc(), { kind: "DaemonSet", namespace, name: "istio-cni-node" }, daemonSetReady, w);
    await waitFor(r.kc(), { kind: "DaemonSet", namespace, name: "ztunnel" }, daemonSetReady, w);
  }
  if (r.action.ingressGateway) {
    await waitFor(
      r.kc(),
      { kind: "Deployment", namespace, name: "istio-ingressgateway" },
      deploymentReady,
      w,
    );
  }
};
