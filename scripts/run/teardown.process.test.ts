import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { istioctlArtifact } from "../catalog/artifacts.ts";
import { hostPlatform } from "../tools/platform.ts";

// Signal-safe teardown, tested on the real CLI in a child process: `ssc up` against an existing
// cluster's kubeconfig, with istioctl served by a local server that stalls mid-download (a long
// local step; no cluster is faked, none is needed before the download ends). Then a signal.
// This machine's artifact name: the tests must not assume linux-amd64.
const { os, arch } = hostPlatform();
const ARTIFACT = istioctlArtifact("1.31.1", os, arch).fileName;
let root: string;
let server: http.Server;
let mirror: string;
let kubeconfig: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ssc-signals-"));
  kubeconfig = join(root, "kubeconfig");
  await writeFile(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
      "users: [{name: u, user: {token: t}}]",
      "contexts: [{name: x, context: {cluster: c, user: u}}]",
      "current-context: x",
    ].join("\n"),
  );
  server = http.createServer((req, res) => {
    if (req.url?.endsWith(`/1.31.1/${ARTIFACT}.sha256`)) return res.end(`${"a".repeat(64)}  ${ARTIFACT}\n`);
    if (req.url?.includes("/1.31.1/")) {
      res.writeHead(200, { "content-length": 1_000_000 });
      res.write(Buffer.alloc(1024)); // and never more: the download hangs until interrupted
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(root, { recursive: true, force: true });
});

function up(
  runId: string,
  istio: string,
  extra: string[] = [],
): { child: ResultPromise; workDir: string; cache: string } {
  const workDir = join(root, "runs");
  const cache = join(root, `cache-${runId}`);
  const child = execa(
    process.execPath,
    [
      "scripts/cli.ts",
      "up",
      "--kubeconfig",
      kubeconfig,
      "--no-provision",
      "--istio",
      istio,
      "--mirror",
      mirror,
      "--work-dir",
      workDir,
      "--run-id",
      runId,
      ...extra,
    ],
    { reject: false, env: { XDG_CACHE_HOME: cache }, buffer: true },
  );
  return { child, workDir, cache };
}

async function waitFor(child: ResultPromise, text: string, ms = 15_000): Promise<string> {
  let seen = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" in stderr within ${ms} ms: ${seen}`)), ms);
    child.stderr!.on("data", (c: Buffer) => {
      seen += c.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return seen;
}

const partials = async (cache: string) => {
  const dir = join(cache, "ssc", "tools", "istioctl", "1.31.1", ARTIFACT.replace(/\.tar\.gz$/, ""));
  return existsSync(dir) ? (await readdir(dir)).filter((f) => f.startsWith(".partial")) : [];
};

describe("teardown on signals, failures and --keep", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s mid-download: cleanup runs once, exit %i, nothing left behind", async (signal, code) => {
    const { child, workDir, cache } = up(`sig${code}`, "1.31");
    await waitFor(child, "downloading istioctl 1.31.1");
    await vi.waitFor(async () => expect(await partials(cache)).toHaveLength(1), {
      timeout: 10_000,
      interval: 50,
    });
    child.kill(signal);
    const r = await child;
    expect(r.exitCode).toBe(code);
    const err = String(r.stderr);
    expect(err.match(new RegExp(`interrupted by ${signal}`, "g"))).toHaveLength(1);
    // The interrupted download removes its own partial file; nothing is left for teardown.
    expect(err.match(/cleanup: removed work folder/g)).toHaveLength(1);
    expect(await partials(cache)).toEqual([]);
    expect(existsSync(join(workDir, `sig${code}`))).toBe(false);
  });

  it("--keep-on-failure keeps the work folder but never a partial download", async () => {
    const { child, workDir, cache } = up("keep1", "1.31", ["--keep-on-failure"]);
    await waitFor(child, "downloading istioctl 1.31.1");
    await vi.waitFor(async () => expect(await partials(cache)).toHaveLength(1), {
      timeout: 10_000,
      interval: 50,
    });
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    // An interrupt is not a failure of the mesh: only --keep keeps on a signal.
    expect(String(r.stderr)).toMatch(/cleanup: removed work folder/);
    expect(await partials(cache)).toEqual([]);
    expect(existsSync(join(workDir, "keep1"))).toBe(false);
  });

  it("a failing step (no such version: exit 2) still cleans up once", async () => {
    const { child, workDir } = up("fail1", "1.31.0");
    const r = await child;
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/istioctl 1\.31\.0 does not exist/);
    expect(String(r.stderr).match(/cleanup: removed work folder/g)).toHaveLength(1);
    expect(existsSync(join(workDir, "fail1"))).toBe(false);
  });
});
