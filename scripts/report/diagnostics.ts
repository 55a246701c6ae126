import { mkdir, open, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CoreV1Api, Exec, type KubeConfig } from "@kubernetes/client-node";
import { execa } from "execa";
import { bounded } from "../bounded.ts";
import { explainPods } from "../mesh/explain.ts";
import { curl } from "../probes/curl.ts";
import { podRunner } from "../probes/runners.ts";

// A diagnostics folder per failed cell, laid out like Sonobuoy's results: podlogs/, resources/,
// envoy/, prometheus/, meta/. Every file and the whole folder are capped, so a crash-looping pod
// cannot fill a CI disk.
export const DIAGNOSTICS_CAP = { fileBytes: 512 * 1024, totalBytes: 20 * 1024 * 1024 } as const;

export interface DiagnosticsInput {
  kc: KubeConfig;
  istioctl?: string;
  kubeconfig: string;
  context?: string;
  namespaces: readonly string[];
  dir: string;
  /** Each command and API read is bounded by this (the named timeout `diagnostics`). */
  timeoutMs: number;
}

/** kind export logs: journals and /var/log of a node can be large; keep what explains a failure. */
export const KIND_LOGS_CAP = { fileBytes: 5 * 1024 * 1024, totalBytes: 50 * 1024 * 1024 } as const;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Caps a folder written by another tool: each file keeps its last `fileBytes` (the end of a log
 * says why it died), and files past `totalBytes` are removed and listed in TRUNCATED.txt. */
export async function capFolder(dir: string, cap: { fileBytes: number; totalBytes: number }): Promise<void> {
  const notes: string[] = [];
  let total = 0;
  for (const file of (await filesUnder(dir)).sort()) {
    const size = (await stat(file)).size;
    if (total >= cap.totalBytes) {
      await rm(file, { force: true });
      notes.push(`${file}: removed (${size} bytes; total cap ${cap.totalBytes} reached)`);
      continue;
    }
    const keep = Math.min(size, cap.fileBytes, cap.totalBytes - total);
    if (keep < size) {
      const fh = await open(file, "r");
      const buf = Buffer.alloc(keep);
      await fh.read(buf, 0, keep, size - keep);
      await fh.close();
      await writeFile(
        file,
        Buffer.concat([Buffer.from(`[truncated to the last ${keep} of ${size} bytes]\n`), buf]),
      );
      notes.push(`${file}: truncated to its last ${keep} of ${size} bytes`);
    }
    total += keep;
  }
  if (notes.length) await writeFile(join(dir, "TRUNCATED.txt"), `${notes.join("\n")}\n`);
}

export class CappedWriter {
  written = 0;
  truncated: string[] = [];
  readonly dir: string;
  readonly cap: typeof DIAGNOSTICS_CAP;
  constructor(dir: string, cap: typeof DIAGNOSTICS_CAP = DIAGNOSTICS_CAP) {
    this.dir = dir;
    this.cap = cap;
  }
  async write(path: string, content: string): Promise<void> {
    const left = this.cap.totalBytes - this.written;
    if (left <= 0) {
      this.truncated.push(`${path} (not written: total cap reached)`);
      return;
    }
    let text = content;
    const limit = Math.min(this.cap.fileBytes, left);
    if (Buffer.byteLength(text) > limit) {
      // Keep the end: the last lines of a log say why it died.
      text = `[truncated to the last ${limit} bytes]\n${Buffer.from(text).subarray(-limit).toString()}`;
      this.truncated.push(path);
    }
    await mkdir(dirname(join(this.dir, path)), { recursive: true });
    await writeFile(join(this.dir, path), text);
    this.written += Buffer.byteLength(text);
  }
}

export async function collectDiagnostics(d: DiagnosticsInput): Promise<CappedWriter> {
  const out = new CappedWriter(d.dir);
  const core = d.kc.makeApiClient(CoreV1Api);
  const target = ["--kubeconfig", d.kubeconfig, ...(d.context ? ["--context", d.context] : [])];
  const note = (what: string, e: unknown) =>
    out.write(`meta/errors/${what.replaceAll("/", "_")}.txt`, String(e));
  if (d.istioctl) {
    const v = await execa(d.istioctl, ["version", ...target], {
      reject: false,
      all: true,
      timeout: d.timeoutMs,
    });
    await out.write("meta/istioctl-version.txt", String(v.all));
  }
  for (const ns of ["istio-system", ...d.namespaces]) {
    try {
      const pods = await bounded(core.listNamespacedPod({ namespace: ns }), d.timeoutMs, `pods of ${ns}`);
      await out.write(`resources/ns/${ns}/pods.json`, JSON.stringify(pods.items, null, 1));
      const events = await bounded(
        core.listNamespacedEvent({ namespace: ns }),
        d.timeoutMs,
        `events of ${ns}`,
      );
      await out.write(`resources/ns/${ns}/events.json`, JSON.stringify(events.items, null, 1));
      // Why pods are not ready, as the waits' timeout errors say it.
      const notReady = explainPods(pods.items, events.items);
      if (notReady.length) await out.write(`resources/ns/${ns}/not-ready.txt`, `${notReady.join("\n")}\n`);
      for (const p of pods.items) {
        const name = p.metadata!.name!;
        const containers = [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map(
          (c) => c.name,
        );
        for (const c of containers) {
          const log = await bounded(
            core.readNamespacedPodLog({ name, namespace: ns, container: c, tailLines: 2000 }),
            d.timeoutMs,
            `log of ${name}/${c}`,
          ).catch((e: Error) => `could not read log: ${e.message}`);
          await out.write(`podlogs/${ns}/${name}/${c}.log`, String(log));
        }
        if (d.istioctl && containers.includes("istio-proxy")) {
          const pc = await execa(d.istioctl, ["proxy-config", "all", `${name}.${ns}`, ...target], {
            reject: false,
            all: true,
            timeout: d.timeoutMs,
          });
          await out.write(`envoy/${ns}/${name}/proxy-config.txt`, String(pc.all));
        }
      }
    } catch (e) {
      await note(`namespace-${ns}`, e);
    }
  }
  try {
    const pods = await bounded(
      core.listNamespacedPod({ namespace: "ssc-prometheus", labelSelector: "app=prometheus" }),
      d.timeoutMs,
      "the secure Prometheus pod",
    );
    const p = pods.items[0];
    if (p) {
      const run = podRunner(
        new Exec(d.kc),
        { namespace: "ssc-prometheus", pod: p.metadata!.name!, container: "client" },
        d.timeoutMs,
      );
      const r = await curl(run, { url: "http://127.0.0.1:9090/api/v1/targets?state=any", timeoutMs: 10_000 });
      await out.write("prometheus/targets.json", r.body || r.message);
    }
  } catch (e) {
    await note("prometheus-targets", e);
  }
  if (out.truncated.length) await out.write("meta/truncated.txt", out.truncated.join("\n"));
  return out;
}
