import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import istioMinors from "./data/istio-minors.json" with { type: "json" };
import kindImages from "./data/kind-node-images.json" with { type: "json" };
import type { IstioMinor } from "./istio-releases.ts";
import type { KindNodeImageRecord } from "./kind-images.ts";
import {
  defaultImageOf,
  type GitHubRelease,
  recordSampleDigests,
  sampleTags,
  updateIstioMinors,
  updateKindImages,
} from "./update-catalog.ts";

// `npm run catalog:update` offline: recorded responses shaped like GitHub's REST API ("List
// releases") and kind's image.go, under testdata/ laid out by URL (these machines cannot reach GitHub).
const TESTDATA = new URL("./testdata/", import.meta.url).pathname;
const readJson = async <T>(p: string) => JSON.parse(await readFile(join(TESTDATA, p), "utf8")) as T;
const istioReleases = () =>
  readJson<GitHubRelease[]>("api.github.com/repos/istio/istio/releases/per_page_100_page_1");
const kindReleases = () =>
  readJson<GitHubRelease[]>("api.github.com/repos/kubernetes-sigs/kind/releases/per_page_100_page_1");
const imageGo = async (tag: string) =>
  readFile(
    join(TESTDATA, `raw.githubusercontent.com/kubernetes-sigs/kind/${tag}/pkg/apis/config/defaults/image.go`),
    "utf8",
  );

describe("catalog update: Istio", () => {
  it("takes newer patches and pre-releases, and skips drafts, releases without checksums and minors too old", async () => {
    const { data, notes } = updateIstioMinors(istioMinors as IstioMinor[], await istioReleases());
    const m = (minor: string) => data.find((x) => x.minor === minor)!;
    expect(m("1.31").latestPatch).toBe("1.31.2");
    expect(m("1.30").latestPatch).toBe("1.30.5");
    expect(m("1.29").latestPatch).toBe("1.29.8");
    expect(data.map((x) => x.minor)).toEqual((istioMinors as IstioMinor[]).map((x) => x.minor));
    expect(notes).toEqual([
      "istio 1.32.0-rc.0: a pre-release of a minor not in the catalog; qualify it with --allow-unlisted-istio",
      "istio 1.31: latest patch 1.31.1 -> 1.31.2",
      "skipped istio 1.30.6: no istioctl-1.30.6-linux-amd64.tar.gz with its .sha256 among the release's assets",
    ]);
  });

  it("adds a new minor once it has a release, borrowing the newest minor's Kubernetes range, and sorts pre-releases", () => {
    const rel = (tag: string, prerelease = false): GitHubRelease => ({
      tag_name: tag,
      draft: false,
      prerelease,
      published_at: "2026-12-01T00:00:00Z",
      assets: [
        { name: `istioctl-${tag}-linux-amd64.tar.gz` },
        { name: `istioctl-${tag}-linux-amd64.tar.gz.sha256` },
      ],
    });
    const { data, notes } = updateIstioMinors(istioMinors as IstioMinor[], [
      rel("1.32.0"),
      rel("1.32.1-rc.0", true),
      rel("1.31.0-beta.0", true),
    ]);
    expect(data.at(-1)).toEqual({
      minor: "1.32",
      latestPatch: "1.32.0",
      kubernetes: { min: "1.32", max: "1.36" },
      preReleases: ["1.32.1-rc.0"],
    });
    expect(data.find((x) => x.minor === "1.31")!.preReleases).toEqual([
      "1.31.0-alpha.0",
      "1.31.0-beta.0",
      "1.31.0-rc.0",
    ]);
    expect(notes[0]).toMatch(
      /added istio 1\.32 \(1\.32\.0\); its Kubernetes range 1\.32\.\.1\.36 is borrowed from 1\.31/,
    );
  });
});

describe("catalog update: kind", () => {
  it("reads each release's default node image from image.go", async () => {
    expect(defaultImageOf(await imageGo("v0.32.0"))).toEqual({
      tag: "v1.36.1",
      minor: "1.36",
      digest: "3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5",
    });
    expect(defaultImageOf("package defaults\n")).toBeUndefined();
    expect(defaultImageOf(`const Image = "kindest/node:v1.36.1@sha256:${"a".repeat(65)}"`)).toBeUndefined();
  });

  it("adds a new minor from the newest release, keeps the others, ignores pre-releases", async () => {
    const tags = new Map([
      ["v0.33.0", await imageGo("v0.33.0")],
      ["v0.32.0", await imageGo("v0.32.0")],
    ]);
    const { data, notes } = updateKindImages(kindImages as KindNodeImageRecord[], await kindReleases(), tags);
    expect(data.map((r) => r.kubernetes)).toEqual([
      ...(kindImages as KindNodeImageRecord[]).map((r) => r.kubernetes),
      "1.37",
    ]);
    expect(data.at(-1)).toEqual({
      kubernetes: "1.37",
      tag: "v1.37.0",
      digest: "0f5c1e6d2b7a9e3c4d8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f",
      kind: "v0.33.0",
      released: "2026-11-18",
    });
    expect(data.find((r) => r.kubernetes === "1.36")).toEqual((kindImages as KindNodeImageRecord[]).at(-1));
    expect(notes).toEqual(["kubernetes 1.37: added v1.37.0 from kind v0.33.0"]);
  });
});

describe("catalog update: Istio's sample Prometheus digests", () => {
  const RC0 = "8633f92ee967efc096f14d369ef0a0c3c670f86b4aa5e9916cfab38d40f73bed";

  it("wants every listed tag from the first minor that ships the sample", () => {
    expect(sampleTags(istioMinors as IstioMinor[])).toEqual(["1.31.0-alpha.0", "1.31.0-rc.0", "1.31.1"]);
  });

  it("records a fetched tag's SHA-256, keeps what is recorded, and sorts by version", () => {
    const { data, notes } = recordSampleDigests(
      { "1.31.0-rc.0": RC0 },
      new Map([
        ["1.31.1", "a"],
        ["1.31.0-rc.0", "changed"],
        ["1.31.0-alpha.0", ""],
      ]),
    );
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(data).toEqual({ "1.31.0-alpha.0": sha(""), "1.31.0-rc.0": RC0, "1.31.1": sha("a") });
    expect(Object.keys(data)).toEqual(["1.31.0-alpha.0", "1.31.0-rc.0", "1.31.1"]);
    expect(notes).toEqual([
      `istio 1.31.1: sample prometheus-secure-metrics.yaml sha256 ${sha("a")}`,
      `istio 1.31.0-alpha.0: sample prometheus-secure-metrics.yaml sha256 ${sha("")}`,
    ]);
  });
});

describe("npm run catalog:update (zx), offline on the recorded responses", () => {
  it("rewrites the data files with what changed, and --check says the catalog is behind", async () => {
    const data = await mkdtemp(join(tmpdir(), "ssc-catalog-"));
    try {
      await cp(new URL("./data/", import.meta.url).pathname, data, { recursive: true });
      const script = new URL("./update.ts", import.meta.url).pathname;
      const check = await execa(process.execPath, [script, "--from", TESTDATA, "--data", data, "--check"], {
        reject: false,
      });
      expect(check.exitCode).toBe(1);
      expect(check.stdout).toMatch(
        /catalog is behind: istio-minors\.json, kind-node-images\.json, sample-prometheus-sha256\.json/,
      );
      const run = await execa(process.execPath, [script, "--from", TESTDATA, "--data", data], {
        reject: false,
      });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toContain("istio 1.31: latest patch 1.31.1 -> 1.31.2");
      const minors = JSON.parse(await readFile(join(data, "istio-minors.json"), "utf8")) as IstioMinor[];
      expect(minors.find((m) => m.minor === "1.31")!.latestPatch).toBe("1.31.2");
      // The patch it replaced and the new one, both read from the recorded responses (stand-ins).
      const digests = JSON.parse(await readFile(join(data, "sample-prometheus-sha256.json"), "utf8"));
      expect(Object.keys(digests)).toEqual(["1.31.0-alpha.0", "1.31.0-rc.0", "1.31.1", "1.31.2"]);
      expect(digests["1.31.2"]).toBe(digests["1.31.0-rc.0"]);
      expect(run.stdout).toContain(
        `istio 1.31.2: sample prometheus-secure-metrics.yaml sha256 ${digests["1.31.2"]}`,
      );
      const again = await execa(process.execPath, [script, "--from", TESTDATA, "--data", data, "--check"], {
        reject: false,
      });
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toMatch(/catalog is current/);
      const missing = await execa(
        process.execPath,
        [script, "--from", join(data, "nothing"), "--data", data],
        { reject: false },
      );
      expect(missing.exitCode).toBe(3);
      expect(missing.stderr).toMatch(
        /no recorded response for https:\/\/api\.github\.com\/repos\/istio\/istio\/releases/,
      );
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  }, 60_000);
});
