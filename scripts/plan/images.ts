import { IMAGES, OPERATOR_IMAGES, PROBE_CLIENT } from "../catalog/images.ts";
import { type RegistryMirror, sourceOf } from "../cluster/mirrors.ts";
import type { ScenarioId } from "../registry/scenarios.ts";
import { plannedScenario } from "../render/render-cell.ts";
import type { PlannedCell } from "./plan.ts";

// Every image a cell pulls, like Hydrophone's --list-images, so air-gapped users can mirror them
// and a registry cache can be checked. The fixtures' images are read from the manifests the cell
// renders (every container and init container, and a Prometheus resource's spec.image), so the list
// cannot drift from what is deployed; Istio's and the operator bundle's come from their releases.

/** Where istioctl's release manifests pull Istio's images from (values.global.hub of a release). */
export const ISTIO_HUB = "docker.io/istio";

export interface ImageRef {
  /** As pulled: registry/repository:tag[@sha256:digest]. */
  image: string;
  /** The registry host the pull goes to (docker.io for Docker Hub). */
  registry: string;
  digest?: string;
  /** Who pulls it: the kind node, Istio's control plane, a fixture... */
  component: string;
}

/** The registry host of an image reference, Docker's rule: the first path part is a host only if
 * it has a dot or a colon or is localhost; otherwise it is Docker Hub. */
export function registryOf(image: string): string {
  const first = image.split("/")[0]!;
  return image.includes("/") && (/[.:]/.test(first) || first === "localhost") ? first : "docker.io";
}

export function imageRef(image: string, component: string): ImageRef {
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];
  return { image, registry: registryOf(image), ...(digest ? { digest } : {}), component };
}

interface PodLike {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
}

/** Container images anywhere in a manifest: pod templates, pods, and Prometheus resources. */
function imagesIn(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) imagesIn(v, out);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const pod = value as PodLike;
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    if (typeof c?.image === "string") out.add(c.image);
  }
  const o = value as { kind?: string; spec?: { image?: string } };
  if (o.kind === "Prometheus" && typeof o.spec?.image === "string") out.add(o.spec.image);
  for (const v of Object.values(value)) imagesIn(v, out);
}

const COMPONENT_OF: Record<string, string> = {
  [PROBE_CLIENT.image]: "probe client",
  [IMAGES.httpbin]: "httpbin",
  [IMAGES.prometheus]: "Prometheus (and the metrics app)",
  [OPERATOR_IMAGES[0]!]: "prometheus-operator",
  [OPERATOR_IMAGES[1]!]: "prometheus-operator config reloader",
};

/** The node image is pulled by the host's Docker for `kind create`, not by the node's containerd,
 * so registry mirrors do not apply to it (Docker's own cache keeps it after the first pull). */
export const NODE_COMPONENT = "kind node";

export function cellImages(cell: PlannedCell, runId = "render"): ImageRef[] {
  const refs: ImageRef[] = [imageRef(cell.nodeImage, NODE_COMPONENT)];
  if (cell.scenarios.length === 0) return refs;
  const istio = (name: string, component: string) =>
    imageRef(`${ISTIO_HUB}/${name}:${cell.istioVersion}`, component);
  refs.push(istio("pilot", "istiod"), istio("proxyv2", "sidecars and gateways"));
  if (cell.profile === "ambient") refs.push(istio("install-cni", "istio-cni"), istio("ztunnel", "ztunnel"));
  const fixtures = new Set(cell.scenarios.flatMap((id) => scenarioImages(id, cell, runId)));
  for (const i of [...fixtures].sort()) refs.push(imageRef(i, COMPONENT_OF[i] ?? "fixtures"));
  return refs;
}

// Once per scenario and mode (plannedScenario); images.test.ts checks the result on the whole
// matrix against each cell's own full rendering.
const imagesCache = new Map<string, readonly string[]>();

function scenarioImages(id: ScenarioId, cell: PlannedCell, runId: string): readonly string[] {
  const key = `${id}|${cell.secureMetricsMode}|${runId}`;
  let images = imagesCache.get(key);
  if (!images) {
    const s = plannedScenario(id, cell, runId);
    const found = new Set<string>();
    for (const doc of s.objects) imagesIn(doc.toJS(), found);
    // A remote manifest is not rendered here: its images are stated beside it.
    for (const p of s.prerequisites) for (const i of p.images) found.add(i);
    images = [...found];
    imagesCache.set(key, images);
  }
  return images;
}

/** Where a cell's pull of this image goes: the host's Docker for the node, else a mirror or upstream. */
export function imageSource(ref: ImageRef, mirrors: readonly RegistryMirror[]): string {
  return ref.component === NODE_COMPONENT ? "host Docker (kind create)" : sourceOf(ref.registry, mirrors);
}
