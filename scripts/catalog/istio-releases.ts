import semver from "semver";
import { UsageError } from "../errors.ts";
import istioMinors from "./data/istio-minors.json" with { type: "json" };
import { compareMinors } from "./minors.ts";

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

// The data lives in data/istio-minors.json, which `npm run catalog:update` rewrites from Istio's
// GitHub releases; the Kubernetes ranges come from istio.io's support table and are kept by hand.
export const ISTIO_MINORS: readonly IstioMinor[] = istioMinors;

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
  /** Accept what the catalog does not list yet: a newer patch, a new minor, a pre-release or a
   * vendor build. Such a cell is marked unlisted, with what was assumed. */
  allowUnlisted?: boolean;
}

const KNOWN = `known: ${OLDEST_MINOR}..${NEWEST_MINOR}, their patches, all, latest, latest-N or a range like 1.28..1.31`;
const MINOR = /^\d+\.\d+$/;

/**
 * Expands one `--istio` item into versions: `all` (every known minor's latest patch), `latest-N`
 * (the newest N minors), a minor range `1.28..1.31` (inclusive), or one version as
 * resolveIstioVersion reads it. Order is the catalog's, oldest first.
 */
export function expandIstioItem(input: string, options: ResolveOptions = {}): string[] {
  const raw = input.trim().replace(/^v/, "");
  if (raw === "all") return ISTIO_MINORS.map((m) => m.latestPatch);
  const latestN = /^latest-(\d+)$/.exec(raw);
  if (latestN) {
    const n = Number(latestN[1]);
    if (n < 1 || n > ISTIO_MINORS.length) {
      throw new UsageError(
        `--istio ${raw}: N must be 1..${ISTIO_MINORS.length} (the catalog knows ${ISTIO_MINORS.length} minors)`,
      );
    }
    return ISTIO_MINORS.slice(-n).map((m) => m.latestPatch);
  }
  const range = /^(.+)\.\.(.+)$/.exec(raw);
  if (range) {
    const [from, to] = [range[1]!.trim(), range[2]!.trim()].map((v) => v.replace(/^v/, ""));
    if (!MINOR.test(from!) || !MINOR.test(to!)) {
      throw new UsageError(`--istio ${raw}: a range joins two minors, e.g. 1.28..1.31 (${KNOWN})`);
    }
    if (compareMinors(from!, to!) > 0)
      throw new UsageError(`--istio ${raw}: the range is reversed; write ${to}..${from}`);
    for (const end of [from!, to!]) {
      if (!findMinor(end))
        throw new UsageError(`--istio ${raw}: minor ${end} is not in the catalog (${KNOWN})`);
    }
    return ISTIO_MINORS.filter(
      (m) => compareMinors(m.minor, from!) >= 0 && compareMinors(m.minor, to!) <= 0,
    ).map((m) => m.latestPatch);
  }
  return [resolveIstioVersion(raw, options)];
}

/**
 * Resolves one version: `latest`, a minor (`1.31` = its latest known patch), a full version or a
 * known pre-release; with allowUnlisted also a newer patch, pre-release, minor or vendor build.
 * Anything else is bad input with the accepted values in the message.
 */
export function resolveIstioVersion(input: string, options: ResolveOptions = {}): string {
  const raw = input.trim().replace(/^v/, "");
  if (raw === "latest") return ISTIO_MINORS[ISTIO_MINORS.length - 1]!.latestPatch;
  const isMinor = MINOR.test(raw);
  const v = semver.parse(isMinor ? `${raw}.0` : raw);
  if (!v) throw new UsageError(`istio version "${input}" is not a version (${KNOWN})`);
  const minor = `${v.major}.${v.minor}`;
  const m = findMinor(minor);
  if (!m) {
    const older = compareMinors(minor, OLDEST_MINOR) < 0;
    if (older) {
      throw new UsageError(
        `istio ${raw} is older than ${OLDEST_MINOR}, the oldest minor this suite supports (${KNOWN})`,
      );
    }
    if (!options.allowUnlisted) {
      throw new UsageError(
        `istio ${raw} is not in the catalog (${KNOWN}); pass --allow-unlisted-istio to qualify it, or run npm run catalog:update`,
      );
    }
    if (isMinor) {
      throw new UsageError(
        `istio ${raw}: the catalog knows no patch of ${minor}; name one, e.g. ${minor}.0 or ${minor}.0-rc.0`,
      );
    }
    return raw;
  }
  if (isMinor) return m.latestPatch;
  if (v.prerelease.length > 0) {
    if (m.preReleases.includes(raw) || options.allowUnlisted) return raw;
    throw new UsageError(
      isVendorBuild(raw)
        ? `istio ${raw} looks like a vendor build of ${coreOf(raw)}: pass --allow-unlisted-istio to test it as ${coreOf(raw)}`
        : `istio ${raw} is not a known pre-release (known: ${m.preReleases.join(", ") || "none"} for ${minor}); pass --allow-unlisted-istio to qualify it`,
    );
  }
  if (semver.lte(raw, m.latestPatch) || options.allowUnlisted) return raw;
  throw new UsageError(
    `istio ${raw} is newer than the catalog's ${m.latestPatch}; pass --allow-unlisted-istio to try it (istioctl download will verify it exists)`,
  );
}

/** What a cell assumes about a version the catalog does not list, or undefined when it is listed. */
export function unlistedAssumption(version: string): string | undefined {
  const core = coreOf(version);
  const minor = minorOf(core);
  const m = findMinor(minor);
  if (!m) {
    const newest = ISTIO_MINORS[ISTIO_MINORS.length - 1]!;
    return `Istio ${minor} is not in the catalog: capabilities follow from the semver gates, the supported Kubernetes ${newest.kubernetes.min}..${newest.kubernetes.max} is borrowed from ${newest.minor}`;
  }
  if (isVendorBuild(version)) return `vendor build judged as Istio ${core}`;
  if (semver.prerelease(version) && !m.preReleases.includes(version)) {
    return `pre-release ${version} is not in the catalog: judged by the semver gates with ${minor}'s facts`;
  }
  if (!semver.prerelease(version) && semver.gt(version, m.latestPatch)) {
    return `patch ${version} is newer than the catalog's ${m.latestPatch}: judged with ${minor}'s facts`;
  }
  return undefined;
}

/** The facts a cell uses for its minor: the catalog's, or for an unlisted minor the newest known. */
export function minorFacts(version: string): IstioMinor {
  return findMinor(minorOf(coreOf(version))) ?? ISTIO_MINORS[ISTIO_MINORS.length - 1]!;
}
