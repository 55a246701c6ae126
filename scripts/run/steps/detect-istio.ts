import { existingIstioDecision } from "../../cluster/ownership.ts";
import { installedIstioVersion } from "../../mesh/kube.ts";
import type { Handler } from "../context.ts";

/** A cluster the suite does not own: use the Istio it runs, never install over it or remove it. */
export const detectIstio: Handler<"detect-istio"> = async (r) => {
  const d = existingIstioDecision(
    await installedIstioVersion(r.kc()),
    r.cell.istioVersion,
    r.o.useExistingIstio ?? false,
  );
  if (d.note) r.o.log(d.note);
  r.state.istioVersion = d.version;
};
