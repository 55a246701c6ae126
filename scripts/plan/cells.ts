import { hasCapability, type SecureMetricsMode, secureMetricsModeOf } from "../catalog/capabilities.ts";
import {
  DEFAULT_ENABLEMENT,
  ENABLEMENTS,
  type Enablement,
  enablementSuffix,
} from "../catalog/enablements.ts";
import { DEFAULT_IP_FAMILY, IP_FAMILIES, type IpFamily, ipFamilySuffix } from "../catalog/ip-families.ts";
import {
  expandIstioItem,
  minorFacts,
  minorOf,
  type ResolveOptions,
  unlistedAssumption,
} from "../catalog/istio-releases.ts";
import { type KindNodeImage, nodeImageFor, PINNED_KUBERNETES_MINORS } from "../catalog/kind-images.ts";
import { compareMinors } from "../catalog/minors.ts";
import { PROFILES, type Profile } from "../catalog/profiles.ts";
import { UsageError } from "../errors.ts";

export interface MatrixInput extends ResolveOptions {
  istio: readonly string[];
  profiles: readonly string[];
  /** Kubernetes minors (e.g. "1.34"); default: per Istio minor, the newest it supports with a
   * pinned node image. */
  kubernetes?: readonly string[];
  allowUnsupportedKubernetes?: boolean;
  /** Cluster IP families (default: ipv4 only); ipv6 and dual are extended cells. */
  ipFamilies?: readonly string[];
  /** How the secure ports are enabled (default: per pod only); mesh is an extended cell. */
  enablements?: readonly string[];
}

export interface Cell {
  /** Stable, human-readable, unique on every axis a cell varies on: istio-1.31.1-ambient-k8s-1.36 */
  id: string;
  istioVersion: string;
  istioMinor: string;
  profile: Profile;
  kubernetesVersion: string;
  nodeImage: string;
  kindVersion: string;
  /** The cluster's IP family (kind networking.ipFamily); ipv4 unless --ip-family asks otherwise. */
  ipFamily: IpFamily;
  /** How the native secure ports are turned on: per pod, or mesh-wide through meshConfig. */
  enablement: Enablement;
  secureMetricsMode: SecureMetricsMode;
  /** Set for a version the catalog does not list (--allow-unlisted-istio): what was assumed. */
  unlisted?: string;
}

/** A combination of the selection that cannot exist, shown as a skipped cell with why. */
export interface ImpossibleCell {
  id: string;
  istioVersion: string;
  profile: Profile;
  kubernetes: string;
  reason: string;
}

export interface MatrixSelection {
  cells: Cell[];
  impossible: ImpossibleCell[];
}

const cellId = (istio: string, profile: string, k8s: string, family: IpFamily, enablement: Enablement) =>
  `istio-${istio}-${profile}-k8s-${k8s}${ipFamilySuffix(family)}${enablementSuffix(enablement)}`;
const CELL_ID = new RegExp(
  `^istio-(.+)-(${PROFILES.join("|")})-k8s-(\\d+\\.\\d+)(?:-(${IP_FAMILIES.filter((f) => f !== DEFAULT_IP_FAMILY).join("|")}))?(-meshwide)?$`,
);

/** The axes a cell id names (the inverse of how ids are made), or undefined for another string. */
export function parseCellId(
  id: string,
): { istio: string; profile: string; k8s: string; ipFamily: IpFamily; enablement: Enablement } | undefined {
  const m = CELL_ID.exec(id);
  return m
    ? {
        istio: m[1]!,
        profile: m[2]!,
        k8s: m[3]!,
        ipFamily: (m[4] as IpFamily | undefined) ?? DEFAULT_IP_FAMILY,
        enablement: m[5] ? "mesh" : DEFAULT_ENABLEMENT,
      }
    : undefined;
}

/** One item of an axis given by name (a profile, an IP family, an enablement); anything else is
 * bad input naming what is accepted. */
const oneOf =
  <T extends string>(label: string, allowed: readonly T[]) =>
  (given: string): T => {
    const v = given.trim();
    if ((allowed as readonly string[]).includes(v)) return v as T;
    throw new UsageError(`${label} "${given}" is unknown (accepted: ${allowed.join(", ")})`);
  };
const parseIpFamily = oneOf<IpFamily>("--ip-family", IP_FAMILIES);
const parseEnablement = oneOf<Enablement>("--enablement", ENABLEMENTS);
const parseProfile = oneOf<Profile>("profile", PROFILES);

/** A --k8s item as a minor with a pinned node image; anything else is bad input on its own. */
function parseKubernetes(k: string): KindNodeImage {
  const m = /^v?(\d+\.\d+)(\.\d+)?$/.exec(k.trim());
  if (!m) throw new UsageError(`--k8s "${k}" is not a Kubernetes minor (e.g. 1.34)`);
  const image = nodeImageFor(m[1]!);
  if (!image) {
    throw new UsageError(
      `--k8s ${k}: no pinned kind node image for that minor (pinned: ${PINNED_KUBERNETES_MINORS.join(", ")})`,
    );
  }
  return image;
}

/** The Kubernetes minors a version runs on: those asked for, or the newest it supports. */
function kubernetesFor(
  istioVersion: string,
  requested: readonly KindNodeImage[],
  allowUnsupported: boolean,
): { image: KindNodeImage; outside?: string }[] {
  const facts = minorFacts(istioVersion);
  const { min, max } = facts.kubernetes;
  const inRange = (k: string) => compareMinors(k, min) >= 0 && compareMinors(k, max) <= 0;
  if (requested.length === 0) {
    const newest = PINNED_KUBERNETES_MINORS.filter(inRange).sort(compareMinors).at(-1);
    if (!newest) throw new Error(`catalog gap: no pinned node image inside ${min}..${max}`);
    return [{ image: nodeImageFor(newest)! }];
  }
  return requested.map((image) =>
    inRange(image.kubernetes) || allowUnsupported
      ? { image }
      : {
          image,
          outside: `Kubernetes ${image.kubernetes} is outside Istio ${facts.minor}'s supported ${min}..${max} (--allow-unsupported-k8s runs it anyway)`,
        },
  );
}

/**
 * Expands --istio x --profile x --k8s into the cells that can exist and the combinations that
 * cannot (ambient before 1.24, a Kubernetes minor the Istio minor does not support), each with why.
 * Bad input (an unknown profile, version or Kubernetes minor) is an error on its own.
 */
export function selectCells(input: MatrixInput): MatrixSelection {
  if (input.istio.length === 0)
    throw new UsageError("--istio is empty; give a version, a minor, a range, all or latest");
  if (input.profiles.length === 0)
    throw new UsageError(`--profile is empty (accepted: ${PROFILES.join(", ")})`);
  const versions = [...new Set(input.istio.flatMap((v) => expandIstioItem(v, input)))];
  const profiles = [...new Set(input.profiles.map(parseProfile))];
  const requested = [
    ...new Map((input.kubernetes ?? []).map(parseKubernetes).map((i) => [i.kubernetes, i])).values(),
  ];
  const families = [...new Set((input.ipFamilies ?? [DEFAULT_IP_FAMILY]).map(parseIpFamily))];
  if (families.length === 0)
    throw new UsageError(`--ip-family is empty (accepted: ${IP_FAMILIES.join(", ")})`);
  const enablements = [...new Set((input.enablements ?? [DEFAULT_ENABLEMENT]).map(parseEnablement))];
  if (enablements.length === 0)
    throw new UsageError(`--enablement is empty (accepted: ${ENABLEMENTS.join(", ")})`);
  const cells: Cell[] = [];
  const impossible: ImpossibleCell[] = [];
  for (const istioVersion of versions) {
    const unlisted = unlistedAssumption(istioVersion);
    for (const { image, outside } of kubernetesFor(
      istioVersion,
      requested,
      input.allowUnsupportedKubernetes ?? false,
    )) {
      for (const profile of profiles) {
        for (const ipFamily of families) {
          for (const enablement of enablements) {
            const id = cellId(istioVersion, profile, image.kubernetes, ipFamily, enablement);
            const reason =
              outside ??
              (profile === "ambient" && !hasCapability(istioVersion, "ambient")
                ? `profile ambient needs Istio >= 1.24 (ambient GA); ${istioVersion} is older`
                : enablement === "mesh" && !hasCapability(istioVersion, "nativeSecurePorts")
                  ? `mesh-wide enablement turns on the native secure ports, which Istio ${istioVersion} does not have (>= 1.31)`
                  : undefined);
            if (reason) {
              impossible.push({ id, istioVersion, profile, kubernetes: image.kubernetes, reason });
              continue;
            }
            cells.push({
              id,
              istioVersion,
              istioMinor: minorOf(istioVersion),
              profile,
              kubernetesVersion: image.kubernetesPatch,
              nodeImage: image.image,
              kindVersion: image.kind,
              ipFamily,
              enablement,
              secureMetricsMode: secureMetricsModeOf(istioVersion),
              ...(unlisted ? { unlisted } : {}),
            });
          }
        }
      }
    }
  }
  return { cells, impossible };
}

/** The cells of a selection; none at all is bad input that says why each combination cannot be. */
export function expandMatrix(input: MatrixInput): Cell[] {
  const { cells, impossible } = selectCells(input);
  if (cells.length === 0) throw noCells(impossible.map((i) => `${i.id}: ${i.reason}`));
  return cells;
}

/** Exit 2 for a selection with nothing to run, naming each reason once. */
export function noCells(reasons: readonly string[]): UsageError {
  return new UsageError(
    `the selection leaves no cell to run: ${reasons.join("; ")}; change --istio, --profile, --k8s, --test or --cell`,
  );
}
