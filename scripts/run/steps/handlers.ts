import type { Handlers } from "../context.ts";
import { applyManifest } from "./apply-manifest.ts";
import { applyUrl } from "./apply-url.ts";
import { connect } from "./connect.ts";
import { detectIstio } from "./detect-istio.ts";
import { fetchTools } from "./fetch-tools.ts";
import { istioInstall } from "./istio-install.ts";
import { k3sStart } from "./k3s-start.ts";
import { kindCreate } from "./kind-create.ts";
import { patch } from "./patch.ts";
import { preflight } from "./preflight.ts";
import { render } from "./render.ts";
import { requireCrds } from "./require-crds.ts";
import { waitIstio } from "./wait-istio.ts";

/** One handler per step kind: the executor looks the step's action type up here and nothing else. */
export const HANDLERS: Handlers = {
  preflight,
  "fetch-tools": fetchTools,
  render,
  "kind-create": kindCreate,
  "k3s-start": k3sStart,
  connect,
  "detect-istio": detectIstio,
  "require-crds": requireCrds,
  "apply-url": applyUrl,
  "istio-install": istioInstall,
  "wait-istio": waitIstio,
  "apply-manifest": applyManifest,
  patch,
};
