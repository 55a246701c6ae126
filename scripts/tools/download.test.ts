import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { istioctlArtifact, kindArtifact } from "../catalog/artifacts.ts";
import { InfrastructureError, UsageError } from "../errors.ts";
import { ensureTool, parseChecksum, sourceUrl, type ToolOptions } from "./download.ts";

// A local HTTP server on 127.0.0.1 serving real archives this test builds, standing in for the
// release host through --mirror: good, tampered, missing checksum, 404, slow.
let root: string;
let server: http.Server;
let mirror: string;
const files = new Map<string, Buffer>();
const slow = new Set<string>();

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function istioctlTarball(version: string, script: string): Promise<Buffer> {
  const dir = join(root, `build-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "istioctl"), script);
  await chmod(join(dir, "istioctl"), 0o755);
  const out = join(root, `istioctl-${version}.tar.gz`);
  await tar.c({ gzip: true, file: out, cwd: dir }, ["istioctl"]);
  return readFile(out);
}

function publish(url: string, body: Buffer, checksum: "good" | "tampered" | "missing" = "good") {
  const path = new URL(url).pathname;
  files.set(path, body);
  const name = path.split("/").at(-1)!;
  const digest = checksum === "tampered" ? sha(Buffer.from("something else")) : sha(body);
  if (checksum !== "missing") files.set(`${path}.sha256`, Buffer.from(`${digest}  ${name}\n`));
  if (checksum !== "missing") files.set(`${path}.sha256sum`, Buffer.from(`${digest}  ${name}\n`));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ssc-tools-"));
  server = http.createServer((req, res) => {
    const body = files.get(req.url ?? "");
    if (!body) return res.writeHead(404).end("Not Found");
    res.writeHead(200, { "content-length": body.length });
    if (slow.has(req.url ?? "")) {
      res.write(body.subarray(0, 10)); // then stall: the client's named timeout must fire
      return;
    }
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  publish(
    istioctlArtifact("1.31.1", "linux", "amd64").url,
    await istioctlTarball("1.31.1", "#!/bin/sh\necho 1.31.1\n"),
  );
  publish(
    istioctlArtifact("1.30.5", "linux", "amd64").url,
    await istioctlTarball("1.30.5", "#!/bin/sh\necho x\n"),
    "tampered",
  );
  publish(
    istioctlArtifact("1.29.8", "linux", "amd64").url,
    await istioctlTarball("1.29.8", "#!/bin/sh\n"),
    "missing",
  );
  const slowArt = istioctlArtifact("1.28.10", "linux", "amd64");
  publish(slowArt.url, await istioctlTarball("1.28.10", "#!/bin/sh\n"));
  slow.add(new URL(slowArt.url).pathname);
  publish(kindArtifact("v0.32.0", "linux", "amd64").url, Buffer.from("#!/bin/sh\necho kind v0.32.0\n"));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(root, { recursive: true, force: true });
});

const opts = async (extra: Partial<ToolOptions> = {}): Promise<ToolOptions> => ({
  cacheDir: await mkdtemp(join(root, "cache-")),
  mirror,
  downloadTimeoutMs: 1_500,
  ...extra,
});
const istioctl = (v: string) => ({
  name: "istioctl" as const,
  version: v,
  artifact: istioctlArtifact(v, "linux", "amd64"),
  packaging: "tar.gz" as const,
});

describe("ensureTool", () => {
  it("downloads, verifies, extracts and then reuses a verified copy", async () => {
    const o = await opts();
    const first = await ensureTool(istioctl("1.31.1"), o);
    expect(first).toMatchObject({ source: "download", verified: true });
    expect((await execa(first.path)).stdout).toBe("1.31.1");
    const again = await ensureTool(istioctl("1.31.1"), { ...o, mirror: "http://127.0.0.1:1" }); // offline now
    expect(again).toMatchObject({ source: "cache", verified: true, path: first.path });
  });

  it("two runs sharing the cache take turns: one download, both get the same verified binary", async () => {
    const o = await opts();
    const downloads: string[] = [];
    const [a, b] = await Promise.all([
      ensureTool(istioctl("1.31.1"), { ...o, log: (l) => downloads.push(l) }),
      ensureTool(istioctl("1.31.1"), { ...o, log: (l) => downloads.push(l) }),
    ]);
    expect(downloads.filter((l) => l.startsWith("downloading"))).toHaveLength(1);
    expect([a.source, b.source].sort()).toEqual(["cache", "download"]);
    expect(a.path).toBe(b.path);
    expect((await execa(a.path)).stdout).toBe("1.31.1");
    // Nothing half-written is left beside the entry: no partial, no staging folder, no lock.
    const dir = join(o.cacheDir, "tools", "istioctl", "1.31.1");
    expect((await readdir(join(dir, "istioctl-1.31.1-linux-amd64"))).sort()).toEqual([
      "istioctl",
      "istioctl-1.31.1-linux-amd64.tar.gz",
      "istioctl-1.31.1-linux-amd64.tar.gz.sha256",
      "istioctl.sha256",
    ]);
    expect(await readdir(dir)).toEqual(["istioctl-1.31.1-linux-amd64"]);
  });

  it("refuses a cached binary that changed since it was verified, and deletes it", async () => {
    const o = await opts();
    const t = await ensureTool(istioctl("1.31.1"), o);
    await writeFile(t.path, "#!/bin/sh\necho evil\n");
    const err = await ensureTool(istioctl("1.31.1"), o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect(String((err as Error).message)).toMatch(
      /SHA-256 mismatch for .*istioctl: expected [0-9a-f]{64}, got [0-9a-f]{64}/,
    );
    expect(existsSync(t.path)).toBe(false);
  });

  it("refuses a tampered download (exit 3) naming file, expected and actual hash, and keeps nothing", async () => {
    const o = await opts();
    const err = await ensureTool(istioctl("1.30.5"), o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(
      /SHA-256 mismatch for http:\/\/127\.0\.0\.1:\d+\/istio\/istio\/releases\/download\/1\.30\.5\/istioctl-1\.30\.5-linux-amd64\.tar\.gz: expected [0-9a-f]{64}, got [0-9a-f]{64}; the download was deleted/,
    );
    const dir = join(o.cacheDir, "tools", "istioctl", "1.30.5", "istioctl-1.30.5-linux-amd64");
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses an artifact without a published checksum (exit 3)", async () => {
    const err = await ensureTool(istioctl("1.29.8"), await opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(/no published checksum for istioctl 1\.29\.8/);
  });

  it("says a version that does not exist is bad input (exit 2)", async () => {
    const err = await ensureTool(istioctl("1.31.7"), await opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/istioctl 1\.31\.7 does not exist: .* answered 404/);
  });

  it("gives up on a stalled download after its named timeout (exit 3) and removes the partial file", async () => {
    const o = await opts();
    const partials: string[] = [];
    const start = Date.now();
    const err = await ensureTool(istioctl("1.28.10"), {
      ...o,
      onPartial: (p) => {
        partials.push(p);
        return () => {};
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(/timed out after 1\.5s downloading istioctl 1\.28\.10/);
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(partials).toHaveLength(1);
    expect(existsSync(partials[0]!)).toBe(false);
  });

  it("is offline-aware: no server is an infrastructure error that points to --tools-dir", async () => {
    const err = await ensureTool(istioctl("1.31.1"), await opts({ mirror: "http://127.0.0.1:1" })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(/cannot download .*--tools-dir/);
  });

  it("downloads kind as a plain binary", async () => {
    const t = await ensureTool(
      {
        name: "kind",
        version: "v0.32.0",
        artifact: kindArtifact("v0.32.0", "linux", "amd64"),
        packaging: "binary",
      },
      await opts(),
    );
    expect((await execa(t.path)).stdout).toBe("kind v0.32.0");
  });

  it("takes a binary from --tools-dir, verified when a .sha256 sits beside it", async () => {
    const dir = await mkdtemp(join(root, "tools-dir-"));
    await writeFile(join(dir, "istioctl"), "#!/bin/sh\n");
    const unverified = await ensureTool(
      istioctl("1.31.1"),
      await opts({ toolsDir: dir, mirror: "http://127.0.0.1:1" }),
    );
    expect(unverified).toMatchObject({ source: "tools-dir", verified: false });
    await writeFile(join(dir, "istioctl.sha256"), `${"0".repeat(64)}  istioctl\n`);
    await expect(ensureTool(istioctl("1.31.1"), await opts({ toolsDir: dir }))).rejects.toThrow(
      /SHA-256 mismatch/,
    );
    await writeFile(join(dir, "istioctl.sha256"), `${sha(Buffer.from("#!/bin/sh\n"))}  istioctl\n`);
    expect(await ensureTool(istioctl("1.31.1"), await opts({ toolsDir: dir }))).toMatchObject({
      verified: true,
    });
  });
});

describe("checksums and mirrors", () => {
  it("parses sha256sum lines and bare digests, and rejects the wrong file", () => {
    const d = "a".repeat(64);
    expect(
      parseChecksum(`${d}  istioctl-1.31.1-linux-amd64.tar.gz\n`, "istioctl-1.31.1-linux-amd64.tar.gz"),
    ).toBe(d);
    expect(parseChecksum(`${d}\n`, "x")).toBe(d);
    expect(() => parseChecksum(`${d}  other.tar.gz`, "x.tar.gz")).toThrow(/names other\.tar\.gz/);
    expect(() => parseChecksum("<html>", "x")).toThrow(/not a SHA-256 digest/);
  });
  it("rewrites github.com to a mirror and leaves other hosts alone", () => {
    expect(sourceUrl("https://github.com/a/b", "http://m:8/")).toBe("http://m:8/a/b");
    expect(sourceUrl("https://example.com/a", "http://m:8")).toBe("https://example.com/a");
  });
});
