import { createHash } from "node:crypto";
import semver from "semver";
import type { IstioMinor } from "./istio-releases.ts";
import type { KindNodeImageRecord } from "./kind-images.ts";
import { compareMinors } from "./minors.ts";

// What `npm run catalog:update` decides, as pure functions of GitHub's REST answers (a release:
// tag_name, draft, prerelease, published_at, assets[].name; docs.github.com "List releases"), so
// they are tested on recorded responses. scripts/catalog/update.ts does the fetching and writing.

export interface GitHubRelease {
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  published_at: string | null;
  assets: { name: string }[];
}

const minorOf = (v: string) => `${semver.major(v)}.${semver.minor(v)}`;
const has = (r: GitHubRelease, name: string) => r.assets.some((a) => a.name === name);

export interface CatalogChange<T> {
  data: T[];
  /** One line per change or decision, for the maintainer to review in the diff. */
  notes: string[];
}

/**
 * Istio minors from its releases: a release counts only when it is published (not a draft) and
 * carries istioctl for linux-amd64 with its .sha256 beside it (what the tool manager downloads and
 * verifies). Known minors get their newest patch and every pre-release; a newer minor with a
 * release is added, borrowing the newest minor's Kubernetes range until istio.io's support table
 * is read (said in the notes). Minors older than the catalog's oldest are left out.
 */
export function updateIstioMinors(
  current: readonly IstioMinor[],
  releases: readonly GitHubRelease[],
): CatalogChange<IstioMinor> {
  const notes: string[] = [];
  const byMinor = new Map(current.map((m) => [m.minor, { ...m, preReleases: [...m.preReleases] }]));
  const oldest = current[0]!.minor;
  for (const r of releases) {
    const v = semver.valid(r.tag_name);
    if (r.draft || !v) continue;
    const minor = minorOf(v);
    if (compareMinors(minor, oldest) < 0) continue;
    const artifact = `istioctl-${v}-linux-amd64.tar.gz`;
    if (!has(r, artifact) || !has(r, `${artifact}.sha256`)) {
      notes.push(`skipped istio ${v}: no ${artifact} with its .sha256 among the release's assets`);
      continue;
    }
    let m = byMinor.get(minor);
    const pre = semver.prerelease(v) !== null;
    if (!m) {
      if (pre) {
        notes.push(
          `istio ${v}: a pre-release of a minor not in the catalog; qualify it with --allow-unlisted-istio`,
        );
        continue;
      }
      const newest = [...byMinor.values()].sort((a, b) => compareMinors(a.minor, b.minor)).at(-1)!;
      m = { minor, latestPatch: v, kubernetes: { ...newest.kubernetes }, preReleases: [] };
      byMinor.set(minor, m);
      notes.push(
        `added istio ${minor} (${v}); its Kubernetes range ${m.kubernetes.min}..${m.kubernetes.max} is borrowed from ${newest.minor}: check istio.io's supported releases`,
      );
      continue;
    }
    if (pre) {
      if (!m.preReleases.includes(v)) {
        m.preReleases.push(v);
        notes.push(`istio ${minor}: pre-release ${v}`);
      }
    } else if (semver.gt(v, m.latestPatch)) {
      notes.push(`istio ${minor}: latest patch ${m.latestPatch} -> ${v}`);
      m.latestPatch = v;
    }
  }
  const data = [...byMinor.values()]
    .map((m) => ({ ...m, preReleases: [...m.preReleases].sort(semver.compare) }))
    .sort((a, b) => compareMinors(a.minor, b.minor));
  return { data, notes };
}

/** The first minor whose tags carry samples/addons/extras/prometheus-secure-metrics.yaml (31c59e7,
 * #60602; first tag 1.31.0-alpha.0). */
const FIRST_SAMPLE_MINOR = "1.31";

/** The tags whose sample Prometheus the catalog should know the digest of: each listed minor's
 * latest patch and pre-releases, from the first minor that ships the sample. */
export function sampleTags(minors: readonly IstioMinor[]): string[] {
  return minors
    .filter((m) => compareMinors(m.minor, FIRST_SAMPLE_MINOR) >= 0)
    .flatMap((m) => [...m.preReleases, m.latestPatch]);
}

/** Records the SHA-256 of each fetched sample; a recorded digest is never replaced (a tag's file
 * does not change), so only the tags not recorded yet are fetched. */
export function recordSampleDigests(
  current: Readonly<Record<string, string>>,
  fetched: ReadonlyMap<string, string>,
): { data: Record<string, string>; notes: string[] } {
  const data = { ...current };
  const notes: string[] = [];
  for (const [tag, text] of fetched) {
    if (tag in data) continue;
    data[tag] = createHash("sha256").update(text).digest("hex");
    notes.push(`istio ${tag}: sample prometheus-secure-metrics.yaml sha256 ${data[tag]}`);
  }
  const sorted = Object.fromEntries(Object.entries(data).sort(([a], [b]) => semver.compare(a, b)));
  return { data: sorted, notes };
}

// The quoted constant: a digest of any other length is no digest.
const DEFAULT_IMAGE = /"kindest\/node:(v(\d+)\.(\d+)\.\d+)@sha256:([0-9a-f]{64})"/;

/** The default node image a kind release's pkg/apis/config/defaults/image.go names. */
export function defaultImageOf(imageGo: string): { tag: string; minor: string; digest: string } | undefined {
  const m = DEFAULT_IMAGE.exec(imageGo);
  return m ? { tag: m[1]!, minor: `${m[2]}.${m[3]}`, digest: m[4]! } : undefined;
}

/** The kind releases worth reading: published, not pre-releases, with the linux-amd64 binary and
 * its .sha256sum (what the tool manager downloads and verifies). */
export function usableKindReleases(releases: readonly GitHubRelease[]): GitHubRelease[] {
  return releases.filter(
    (r) =>
      !r.draft &&
      !r.prerelease &&
      semver.valid(r.tag_name) &&
      has(r, "kind-linux-amd64") &&
      has(r, "kind-linux-amd64.sha256sum"),
  );
}

/**
 * Node images from kind releases: each release's default image pins its Kubernetes minor to the
 * release that built it (kind supports an image only with its own release). For a minor several
 * releases defaulted to, the newest release wins. Minors no release names any more are kept.
 */
export function updateKindImages(
  current: readonly KindNodeImageRecord[],
  releases: readonly GitHubRelease[],
  imageGo: ReadonlyMap<string, string>,
): CatalogChange<KindNodeImageRecord> {
  const notes: string[] = [];
  const byMinor = new Map(current.map((r) => [r.kubernetes, r]));
  const newestFirst = [...usableKindReleases(releases)].sort((a, b) =>
    semver.rcompare(a.tag_name, b.tag_name),
  );
  const decided = new Set<string>();
  for (const r of newestFirst) {
    const text = imageGo.get(r.tag_name);
    const image = text === undefined ? undefined : defaultImageOf(text);
    if (!image) {
      notes.push(`kind ${r.tag_name}: no default node image found in pkg/apis/config/defaults/image.go`);
      continue;
    }
    if (decided.has(image.minor)) continue;
    decided.add(image.minor);
    const next: KindNodeImageRecord = {
      kubernetes: image.minor,
      tag: image.tag,
      digest: image.digest,
      kind: r.tag_name,
      released: (r.published_at ?? "").slice(0, 10),
    };
    const was = byMinor.get(image.minor);
    if (!was) notes.push(`kubernetes ${image.minor}: added ${image.tag} from kind ${r.tag_name}`);
    else if (was.digest !== next.digest || was.kind !== next.kind) {
      notes.push(
        `kubernetes ${image.minor}: ${was.tag} (kind ${was.kind}) -> ${next.tag} (kind ${next.kind})`,
      );
    }
    byMinor.set(image.minor, next);
  }
  const data = [...byMinor.values()].sort((a, b) => compareMinors(a.kubernetes, b.kubernetes));
  return { data, notes };
}
