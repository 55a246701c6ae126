import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { takeIpv6Loopback } from "./ipv6-lock.ts";

let dir: string;
let lock: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ssc-ipv6-lock-"));
  lock = join(dir, "lock");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("the IPv6 loopback lock", () => {
  it("is held by one lab at a time: the second waits until the first releases it", async () => {
    const release = await takeIpv6Loopback(lock, 5_000);
    expect(await readFile(join(lock, "pid"), "utf8")).toBe(String(process.pid));
    let second = false;
    const waiting = takeIpv6Loopback(lock, 10_000).then((r) => {
      second = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(second).toBe(false);
    await release();
    const releaseSecond = await waiting;
    expect(second).toBe(true);
    await releaseSecond();
    expect(existsSync(lock)).toBe(false);
  });

  it("names the live holder when it waited too long", async () => {
    await mkdir(lock);
    await writeFile(join(lock, "pid"), String(process.pid));
    await expect(takeIpv6Loopback(lock, 300)).rejects.toThrow(
      new RegExp(`held by lab process ${process.pid} .* longer than 300 ms`),
    );
  });

  it("takes over a lock whose holder is gone (a killed lab)", async () => {
    const gone = execa("true");
    await gone;
    expect(gone.pid).toBeGreaterThan(0);
    await mkdir(lock);
    await writeFile(join(lock, "pid"), String(gone.pid));
    const release = await takeIpv6Loopback(lock, 2_000);
    expect(await readFile(join(lock, "pid"), "utf8")).toBe(String(process.pid));
    await release();
  });
});
