import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fetchPinned } from "./manifests.ts";

// Two runs sharing a cache pin a remote manifest on first use at the same moment: one pin wins,
// whole, and the other run is judged against it; neither overwrites the other's.
let server: http.Server | undefined;
let cache: string | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  if (cache) await rm(cache, { recursive: true, force: true });
});

async function serve(bodies: string[]): Promise<string> {
  let n = 0;
  server = http.createServer((_req, res) => res.end(bodies[n++ % bodies.length]));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("fetchPinned on first use by runs at once", () => {
  it("pins once: the same content passes everywhere, different content is refused, never re-pinned", async () => {
    cache = await mkdtemp(join(tmpdir(), "ssc-pin-"));
    const mirror = await serve(["kind: A\n", "kind: B\n"]);
    const url = "https://github.com/example/bundle.yaml";
    const logs: string[] = [];
    const o = { mirror, timeoutMs: 5_000, cacheDir: cache, log: (l: string) => logs.push(l) };
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => fetchPinned(url, o)));
    const pins = (await readdir(join(cache, "manifests"))).filter((f) => f.endsWith(".sha256"));
    // One pin file, whole, and no temp file left beside it.
    expect(await readdir(join(cache, "manifests"))).toEqual(pins);
    expect(pins).toHaveLength(1);
    expect(logs.filter((l) => l.includes("(first use)"))).toHaveLength(1);
    const pinned = (await readFile(join(cache, "manifests", pins[0]!), "utf8")).trim();
    expect(pinned).toMatch(/^[0-9a-f]{64}$/);
    const ok = results
      .filter((r) => r.status === "fulfilled")
      .map((r) => (r as PromiseFulfilledResult<string>).value);
    const refused = results.filter((r) => r.status === "rejected");
    // Every run that passed got the pinned content; every other one was refused against that pin.
    expect(new Set(ok).size).toBe(1);
    expect(ok.length + refused.length).toBe(6);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused)
      expect(String((r as PromiseRejectedResult).reason)).toContain(
        `SHA-256 mismatch for ${url}: expected ${pinned}`,
      );
  });
});

describe("fetchPinned with the digest the suite knows", () => {
  it("takes only that content, on first use too, and pins nothing it refused", async () => {
    cache = await mkdtemp(join(tmpdir(), "ssc-pin-"));
    const mirror = await serve(["kind: A\n"]);
    const url = "https://github.com/istio/istio/raw/1.31.0-rc.0/samples/x.yaml";
    const { createHash } = await import("node:crypto");
    const a = createHash("sha256").update("kind: A\n").digest("hex");
    const o = { mirror, timeoutMs: 5_000, cacheDir: cache, log: () => {} };
    await expect(fetchPinned(url, { ...o, sha256: "0".repeat(64) })).rejects.toThrow(
      `SHA-256 mismatch for ${url}: expected ${"0".repeat(64)} (the suite's pin), got ${a}`,
    );
    const { existsSync } = await import("node:fs");
    expect(existsSync(join(cache, "manifests"))).toBe(false);
    expect(await fetchPinned(url, { ...o, sha256: a })).toBe("kind: A\n");
  });
});
