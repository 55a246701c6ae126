import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kubeConfigFor, startApiServer } from "../testing/apiserver.ts";
import { CappedWriter, capFolder, collectDiagnostics } from "./diagnostics.ts";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("diagnostics size caps", () => {
  it("keeps the tail of an oversized file and stops at the total cap", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ssc-diag-"));
    dirs.push(dir);
    const w = new CappedWriter(dir, { fileBytes: 100, totalBytes: 250 });
    await w.write("podlogs/a/b/c.log", `${"x".repeat(500)}THE END`);
    const text = await readFile(join(dir, "podlogs/a/b/c.log"), "utf8");
    expect(text).toMatch(/^\[truncated to the last 100 bytes\]/);
    expect(text.endsWith("THE END")).toBe(true);
    await w.write("one.txt", "y".repeat(90));
    await w.write("two.txt", "z".repeat(90));
    await w.write("three.txt", "never");
    expect(w.written).toBeLessThanOrEqual(250 + 40);
    expect(w.truncated).toContain("three.txt (not written: total cap reached)");
    expect((await readdir(dir)).sort()).toEqual(["one.txt", "podlogs", "two.txt"]);
  });
});

describe("capFolder (kind export logs)", () => {
  it("keeps each file's tail, removes files past the total, and lists both in TRUNCATED.txt", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ssc-cap-"));
    dirs.push(dir);
    await mkdir(join(dir, "node"), { recursive: true });
    await writeFile(join(dir, "a.log"), `${"a".repeat(300)}END-A`);
    await writeFile(join(dir, "node", "b.log"), "b".repeat(50));
    await writeFile(join(dir, "z.log"), "never kept");
    await capFolder(dir, { fileBytes: 100, totalBytes: 150 });
    const a = await readFile(join(dir, "a.log"), "utf8");
    expect(a).toBe(`[truncated to the last 100 of 305 bytes]\n${"a".repeat(95)}END-A`);
    expect(await readFile(join(dir, "node", "b.log"), "utf8")).toBe("b".repeat(50));
    expect(existsSync(join(dir, "z.log"))).toBe(false);
    expect((await readFile(join(dir, "TRUNCATED.txt"), "utf8")).split("\n").filter(Boolean)).toEqual([
      `${join(dir, "a.log")}: truncated to its last 100 of 305 bytes`,
      `${join(dir, "z.log")}: removed (10 bytes; total cap 150 reached)`,
    ]);
  });
});

// Against the scripted API server (not a live cluster): what a failed cell's folder holds, and
// that a hanging istioctl cannot hold the run past the diagnostics timeout.
describe("collectDiagnostics (scripted API server, stand-in istioctl: not a live run)", () => {
  it("writes pods, events and why pods are not ready, and kills a hanging istioctl at its timeout", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ssc-diagnostics-"));
    dirs.push(dir);
    const api = await startApiServer({
      pods: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "httpbin-1", namespace: "ssc-native" },
          spec: { containers: [{ name: "httpbin" }] },
          status: {
            phase: "Pending",
            conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
          },
        },
      ],
      events: [
        {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name: "httpbin-1.1", namespace: "ssc-native" },
          involvedObject: { kind: "Pod", name: "httpbin-1" },
          type: "Warning",
          reason: "FailedScheduling",
          message: "0/1 nodes are available: 1 Insufficient cpu.",
          lastTimestamp: "2026-12-02T00:00:05Z",
        },
      ],
    });
    try {
      const istioctl = join(dir, "istioctl");
      await writeFile(istioctl, "#!/bin/sh\nexec sleep 60\n");
      await chmod(istioctl, 0o755);
      const out = join(dir, "out");
      const start = Date.now();
      await collectDiagnostics({
        kc: kubeConfigFor(api.url),
        istioctl,
        kubeconfig: join(dir, "kubeconfig"),
        namespaces: ["ssc-native"],
        dir: out,
        timeoutMs: 1_000,
      });
      // istioctl version hung and was killed at the 1 s budget; nothing else waits on it.
      expect(Date.now() - start).toBeLessThan(8_000);
      expect(await readFile(join(out, "meta", "istioctl-version.txt"), "utf8")).toBe("");
      expect(await readFile(join(out, "resources/ns/ssc-native/not-ready.txt"), "utf8")).toBe(
        "pod ssc-native/httpbin-1 Pending; FailedScheduling: 0/1 nodes are available: 1 Insufficient cpu.\n",
      );
      const pods = JSON.parse(await readFile(join(out, "resources/ns/ssc-native/pods.json"), "utf8"));
      expect(pods.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["httpbin-1"]);
      expect(existsSync(join(out, "resources/ns/ssc-native/events.json"))).toBe(true);
      expect(existsSync(join(out, "podlogs/ssc-native/httpbin-1/httpbin.log"))).toBe(true);
    } finally {
      await api.close();
    }
  });
});
