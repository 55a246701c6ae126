import { InfrastructureError } from "../../errors.ts";
import { exists } from "../../mesh/kube.ts";
import type { Handler } from "../context.ts";

export const requireCrds: Handler<"require-crds"> = async (r) => {
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `gateways.${r.action.group}` },
  };
  if (!(await exists(r.kc(), crd))) {
    throw new InfrastructureError(
      `the cluster has no ${r.action.group} CRDs; install them, or --skip the Gateway API tests`,
    );
  }
};
