import semver from "semver";
import { hasCapability, type SecureMetricsMode, secureMetricsModeOf } from "../catalog/capabilities.ts";
import { findMinor, minorOf, type ResolveOptions, resolveIstioVersion } from "../catalog/istio-releases.ts";
import { type KindNodeImage, nodeImageFor, PINNED_KUBERNETES_MINORS } from "../catalog/kind-images.ts";
import { PROFILES, type Profile } from "../catalog/profiles.ts";
import { UsageError } from "../errors.ts";

export interface MatrixInput extends ResolveOptions {
  istio: readonly string[];
  profiles: readonly string[];
  /** Kubernetes minor (e.g. "1.34"); default: newest supported by Istio and pinned node images. */
  kubernetes?: string;
  allowUnsupportedKubernetes?: boolean;
}

export interface Cell {
  /** Stable, human-readable, valid in kind cluster names: istio-1.31.1-ambient-k8s-1.36 */
  id: string;
  istioVersion: string;
  istioMinor: string;
  profile: Profile;
  kubernetesVersion: string;
  nodeImage: string;
  kindVersion: string;
  secureMetricsMode: SecureMetricsMode;
}

const cmpMinor = (a: string, b: string) => semver.compare(`${a}.0`, `${b}.0`);

function kubernetesFor(
  istioMinor: string,
  requested: string | undefined,
  allowUnsupported: boolean,
): KindNodeImage {
  const range = findMinor(istioMinor)!.kubernetes;
  const inRange = (k: string) => cmpMinor(k, range.min) >= 0 && cmpMinor(k, range.max) <= 0;
  if (requested === undefined) {
    const candidates = PINNED_KUBERNETES_MINORS.filter(inRange).sort(cmpMinor);
    const newest = candidates[candidates.length - 1];
    if (!newest) throw new Error(`catalog gap: no pinned node image inside ${range.min}..${range.max}`);
    return nodeImageFor(newest)!;
  }
  const image = nodeImageFor(requested);
  if (!image) {
    throw new UsageError(
      `--k8s ${requested}: no pinned kind node image for that minor (pinned: ${PINNED_KUBERNETES_MINORS.join(", ")})`,
    );
  }
  if (!inRange(requested) && !allowUnsupported) {
    throw new UsageError(
      `--k8s ${requested} is outside Istio ${istioMinor}'s supported Kubernetes ${range.min}..${range.max}; pick one inside or pass --allow-unsupported-k8s`,
    );
  }
  return image;
}

function parseProfile(p: string): Profile {
  const v = p.trim();
  if ((PROFILES as readonly string[]).includes(v)) return v as Profile;
  throw new UsageError(`profile "${p}" is unknown (accepted: ${PROFILES.join(", ")})`);
}

function parseKubernetes(k: string | undefined): string | undefined {
  if (k === undefined) return undefined;
  const m = /^v?(\d+\.\d+)(\.\d+)?$/.exec(k.trim());
  if (!m) throw new UsageError(`--k8s "${k}" is not a Kubernetes minor (e.g. 1.34)`);
  return m[1];
}

/** Expands --istio x --profile (x --k8s) into cells, rejecting impossible combinations. */
export function expandMatrix(input: MatrixInput): Cell[] {
  if (input.istio.length === 0) throw new UsageError("--istio is empty; give a version, a minor or latest");
  if (input.profiles.length === 0)
    throw new UsageError(`--profile is empty (accepted: ${PROFILES.join(", ")})`);
  const versions = [...new Set(input.istio.map((v) => resolveIstioVersion(v, input)))];
  const profiles = [...new Set(input.profiles.map(parseProfile))];
  const k8s = parseKubernetes(input.kubernetes);
  const cells: Cell[] = [];
  for (const istioVersion of versions) {
    const istioMinor = minorOf(istioVersion);
    const image = kubernetesFor(istioMinor, k8s, input.allowUnsupportedKubernetes ?? false);
    for (const profile of profiles) {
      if (profile === "ambient" && !hasCapability(istioVersion, "ambient")) {
        throw new UsageError(
          `profile ambient needs Istio >= 1.24 (ambient GA); ${istioVersion} is older: drop ambient or pick 1.24+`,
        );
      }
      cells.push({
        id: `istio-${istioVersion}-${profile}-k8s-${image.kubernetes}`,
        istioVersion,
        istioMinor,
        profile,
        kubernetesVersion: image.kubernetesPatch,
        nodeImage: image.image,
        kindVersion: image.kind,
        secureMetricsMode: secureMetricsModeOf(istioVersion),
      });
    }
  }
  return cells;
}
