import semver from "semver";
import { UsageError } from "../errors.ts";

// Istio minors the suite knows, from ../shared/reference/istio-facts.md §4.1.
// latestPatch is the newest patch *announced* on istio.io (the istio/istio tag snapshot lags:
// it stops at 1.30.3 / 1.31.0-rc.0). kubernetes is the "officially supported on Kubernetes
// versions" range from each minor's announcement. preReleases are tags seen in the snapshot.
export interface IstioMinor {
  minor: string;
  latestPatch: string;
  kubernetes: { min: string; max: string };
  preReleases: readonly string[];
}

export const ISTIO_MINORS: readonly IstioMinor[] = [
  { minor: "1.22", latestPatch: "1.22.8", kubernetes: { min: "1.27", max: "1.30" }, preReleases: [] },
  { minor: "1.23", latestPatch: "1.23.6", kubernetes: { min: "1.27", max: "1.30" }, preReleases: [] },
  { minor: "1.24", latestPatch: "1.24.6", kubernetes: { min: "1.28", max: "1.31" }, preReleases: [] },
  { minor: "1.25", latestPatch: "1.25.5", kubernetes: { min: "1.29", max: "1.32" }, preReleases: [] },
  { minor: "1.26", latestPatch: "1.26.8", kubernetes: { min: "1.29", max: "1.32" }, preReleases: [] },
  { minor: "1.27", latestPatch: "1.27.9", kubernetes: { min: "1.29", max: "1.33" }, preReleases: [] },
  { minor: "1.28", latestPatch: "1.28.10", kubernetes: { min: "1.29", max: "1.34" }, preReleases: [] },
  { minor: "1.29", latestPatch: "1.29.8", kubernetes: { min: "1.31", max: "1.35" }, preReleases: [] },
  { minor: "1.30", latestPatch: "1.30.5", kubernetes: { min: "1.32", max: "1.36" }, preReleases: [] },
  {
    minor: "1.31",
    latestPatch: "1.31.1",
    kubernetes: { min: "1.32", max: "1.36" },
    preReleases: ["1.31.0-alpha.0", "1.31.0-rc.0"],
  },
];

export const OLDEST_MINOR = ISTIO_MINORS[0]!.minor;
export const NEWEST_MINOR = ISTIO_MINORS[ISTIO_MINORS.length - 1]!.minor;

export function findMinor(minor: string): IstioMinor | undefined {
  return ISTIO_MINORS.find((m) => m.minor === minor);
}

export function minorOf(version: string): string {
  const v = semver.parse(version);
  if (!v)
    throw new UsageError(`istio version "${version}" is not a version; use e.g. 1.31.1, 1.31 or latest`);
  return `${v.major}.${v.minor}`;
}

/** Istio's own pre-release tags (1.31.0-alpha.0, 1.31.0-rc.0); any other suffix is a vendor build
 * (1.26.3-solo, 1.27.1-asm.2) of the Istio its semver core names. */
const ISTIO_PRERELEASE = /^(alpha|beta|rc)\.\d+$/;

export function isVendorBuild(version: string): boolean {
  const v = semver.parse(version);
  return v !== null && v.prerelease.length > 0 && !ISTIO_PRERELEASE.test(v.prerelease.join("."));
}

/** The Istio release a version is judged as: a vendor build by its semver core, others as is. */
export function coreOf(version: string): string {
  const v = semver.parse(version);
  return v && isVendorBuild(version) ? `${v.major}.${v.minor}.${v.patch}` : version;
}

/** The istioctl release that reads a cell's mesh: Istio publishes none for vendor builds, so their
 * semver core's istioctl is fetched (or one from --tools-dir). */
export function istioctlVersionFor(version: string): string {
  return coreOf(version);
}

export interface ResolveOptions {
  /** Accept a patch newer than the pinned table (e.g. a release published after this catalog). */
  allowUnlisted?: boolean;
}

/**
 * Resolves one `--istio` item: `latest`, a minor (`1.31` = its latest known patch), a full version
 * or a known pre-release. Anything else is bad input with the accepted values in the message.
 */
export function resolveIstioVersion(input: string, options: ResolveOptions = {}): string {
  const raw = input.trim().replace(/^v/, "");
  const known = `known: ${OLDEST_MINOR}..${NEWEST_MINOR}, their patches, or latest`;
  if (raw === "latest") return ISTIO_MINORS[ISTIO_MINORS.length - 1]!.latestPatch;
  const isMinor = /^\d+\.\d+$/.test(raw);
  const v = semver.parse(isMinor ? `${raw}.0` : raw);
  if (!v) throw new UsageError(`istio version "${input}" is not a version (${known})`);
  const minor = `${v.major}.${v.minor}`;
  const m = findMinor(minor);
  if (!m) {
    const older = semver.lt(`${minor}.0`, `${OLDEST_MINOR}.0`);
    throw new UsageError(
      older
        ? `istio ${raw} is older than ${OLDEST_MINOR}, the oldest minor this suite supports (${known})`
        : `istio ${raw} is not in the catalog (${known}); update scripts/catalog/istio-releases.ts`,
    );
  }
  if (isMinor) return m.latestPatch;
  if (v.prerelease.length > 0) {
    if (m.preReleases.includes(raw)) return raw;
    if (options.allowUnlisted && isVendorBuild(raw)) return raw;
    throw new UsageError(
      isVendorBuild(raw)
        ? `istio ${raw} looks like a vendor build of ${coreOf(raw)}: pass --allow-unlisted-istio to test it as ${coreOf(raw)}`
        : `istio ${raw} is not a known pre-release (known: ${m.preReleases.join(", ") || "none"} for ${minor})`,
    );
  }
  if (semver.lte(raw, m.latestPatch) || options.allowUnlisted) return raw;
  throw new UsageError(
    `istio ${raw} is newer than the catalog's ${m.latestPatch}; pass --allow-unlisted-istio to try it (istioctl download will verify it exists)`,
  );
}
