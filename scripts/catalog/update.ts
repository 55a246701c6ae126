#!/usr/bin/env node
// `npm run catalog:update`: rewrites scripts/catalog/data/*.json from Istio's and kind's GitHub
// releases, so keeping the catalog current is a reviewed diff, not an edit by hand. Maintainers run
// it where GitHub answers (GITHUB_TOKEN raises the rate limit); the tests run it offline with
// --from <dir>, a folder of recorded responses laid out by URL. --check writes nothing and exits 1
// when the catalog is behind.
import { echo, fetch, fs, parseArgv, path } from "zx";
import { SAMPLE_PROMETHEUS_FILE } from "./images.ts";
import type { IstioMinor } from "./istio-releases.ts";
import type { KindNodeImageRecord } from "./kind-images.ts";
import {
  type GitHubRelease,
  recordSampleDigests,
  sampleTags,
  updateIstioMinors,
  updateKindImages,
  usableKindReleases,
} from "./update-catalog.ts";

const args = parseArgv(process.argv.slice(2), { string: ["from", "data"], boolean: ["check"] });
const DATA = path.resolve(args.data ?? path.join(import.meta.dirname, "data"));
const FROM: string | undefined = args.from;

/** A recorded response's file: host and path, then the query as a file name. */
function fixturePath(root: string, url: string): string {
  const u = new URL(url);
  const query = u.search ? `/${u.search.slice(1).replace(/[&=]/g, "_")}` : "";
  return path.join(root, u.host, `${u.pathname}${query}`);
}

async function get(url: string): Promise<string> {
  if (FROM) {
    const file = fixturePath(FROM, url);
    if (!(await fs.pathExists(file))) throw new Error(`no recorded response for ${url} (${file})`);
    return fs.readFile(file, "utf8");
  }
  const headers: Record<string, string> = {
    Accept: "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
  };
  if (process.env.GITHUB_TOKEN && url.startsWith("https://api.github.com/")) {
    headers.Authorization = `Bearer ${process.env.GITHUB_TOKEN}`;
  }
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r.text();
}

/** Every release, page by page (100 a page), until a page comes back short. */
async function releases(repo: string, maxPages = 10): Promise<GitHubRelease[]> {
  const all: GitHubRelease[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const batch = JSON.parse(
      await get(`https://api.github.com/repos/${repo}/releases?per_page=100&page=${page}`),
    ) as GitHubRelease[];
    all.push(...batch);
    if (batch.length < 100) break;
  }
  return all;
}

const read = async <T>(file: string) => JSON.parse(await fs.readFile(path.join(DATA, file), "utf8")) as T;

/** The update itself; a fetch that fails (offline, rate limited) is exit 3, never "behind" (1). */
async function update(): Promise<number> {
  const istioCurrent = await read<IstioMinor[]>("istio-minors.json");
  const kindCurrent = await read<KindNodeImageRecord[]>("kind-node-images.json");
  const istio = updateIstioMinors(istioCurrent, await releases("istio/istio"));
  const kindReleases = await releases("kubernetes-sigs/kind");
  const imageGo = new Map<string, string>();
  for (const r of usableKindReleases(kindReleases)) {
    imageGo.set(
      r.tag_name,
      await get(
        `https://raw.githubusercontent.com/kubernetes-sigs/kind/${r.tag_name}/pkg/apis/config/defaults/image.go`,
      ),
    );
  }
  const kind = updateKindImages(kindCurrent, kindReleases, imageGo);
  // Istio's sample Prometheus, applied unchanged by the sample-prometheus scenario: its digest per
  // tag, so a cell checks it instead of pinning it on first use.
  const samplesCurrent = await read<Record<string, string>>("sample-prometheus-sha256.json");
  const samples = new Map<string, string>();
  // The tags listed before and after: a patch the update replaces is still one a user may name.
  const tags = new Set(sampleTags([...istioCurrent, ...istio.data]));
  for (const tag of [...tags].filter((t) => !(t in samplesCurrent))) {
    samples.set(
      tag,
      await get(`https://raw.githubusercontent.com/istio/istio/${tag}/${SAMPLE_PROMETHEUS_FILE}`),
    );
  }
  const sample = recordSampleDigests(samplesCurrent, samples);

  const changed: string[] = [];
  for (const [file, data, was] of [
    ["istio-minors.json", istio.data, istioCurrent],
    ["kind-node-images.json", kind.data, kindCurrent],
    ["sample-prometheus-sha256.json", sample.data, samplesCurrent],
  ] as const) {
    if (JSON.stringify(data) === JSON.stringify(was)) continue;
    changed.push(file);
    if (!args.check) await fs.writeFile(path.join(DATA, file), `${JSON.stringify(data, null, 2)}\n`);
  }
  for (const n of [...istio.notes, ...kind.notes, ...sample.notes]) echo(`  ${n}`);
  echo(
    changed.length === 0
      ? "catalog is current"
      : `${args.check ? "catalog is behind" : "rewrote"}: ${changed.join(", ")}${args.check ? "" : " (review the diff, then npm test)"}`,
  );
  return args.check && changed.length > 0 ? 1 : 0;
}

try {
  process.exitCode = await update();
} catch (e) {
  console.error(`catalog:update: could not read the releases: ${(e as Error).message}`);
  process.exitCode = 3;
}
