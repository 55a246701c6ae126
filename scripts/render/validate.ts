import type { Model } from "@kubernetes-models/base";
import * as gatewayV1 from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import * as installV1alpha1 from "@kubernetes-models/istio/install.istio.io/v1alpha1";
import * as networkingV1 from "@kubernetes-models/istio/networking.istio.io/v1";
import * as networkingV1beta1 from "@kubernetes-models/istio/networking.istio.io/v1beta1";
import * as securityV1 from "@kubernetes-models/istio/security.istio.io/v1";
import * as monitoringV1 from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import * as appsV1 from "kubernetes-models/apps/v1";
import * as rbacV1 from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as coreV1 from "kubernetes-models/v1";

// Offline validation of rendered objects with the kubernetes-models schemas. The registry is
// built from the classes' own static apiVersion/kind. An apiVersion/kind without a validator is
// an error, never a silent pass: a fixture that uses a new kind must add its package here.
type ModelClass = (new (data: object) => Model<unknown>) & { apiVersion: string; kind: string };

const GROUPS: readonly Record<string, unknown>[] = [
  coreV1,
  appsV1,
  rbacV1,
  networkingV1,
  networkingV1beta1,
  securityV1,
  installV1alpha1,
  gatewayV1,
  monitoringV1,
];

const isModelClass = (v: unknown): v is ModelClass =>
  typeof v === "function" &&
  typeof (v as Partial<ModelClass>).apiVersion === "string" &&
  typeof (v as Partial<ModelClass>).kind === "string";

const REGISTRY = new Map<string, ModelClass>();
for (const group of GROUPS) {
  for (const v of Object.values(group)) if (isModelClass(v)) REGISTRY.set(`${v.apiVersion}/${v.kind}`, v);
}

export interface ObjectRef {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
  [field: string]: unknown;
}

export function describeObject(o: ObjectRef): string {
  const ns = typeof o.metadata?.namespace === "string" ? `${o.metadata.namespace}/` : "";
  return `${String(o.apiVersion)} ${String(o.kind)} ${ns}${String(o.metadata?.name)}`;
}

/** Returns the validation problem, or undefined when the object is valid. */
export function validateObject(o: ObjectRef): string | undefined {
  const cls = REGISTRY.get(`${String(o.apiVersion)}/${String(o.kind)}`);
  if (!cls) return `${describeObject(o)}: no validator for this apiVersion/kind`;
  try {
    new cls(o as object).validate();
    return undefined;
  } catch (e) {
    return `${describeObject(o)}: ${(e as Error).message}`;
  }
}
