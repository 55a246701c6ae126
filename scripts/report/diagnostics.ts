import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CoreV1Api, Exec, type KubeConfig } from "@kubernetes/client-node";
import { execa } from "execa";
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
    });
    await out.write("meta/istioctl-version.txt", String(v.all));
  }
  for (const ns of ["istio-system", ...d.namespaces]) {
    try {
      const pods = await core.listNamespacedPod({ namespace: ns });
      await out.write(`resources/ns/${ns}/pods.json`, JSON.stringify(pods.items, null, 1));
      const events = await core.listNamespacedEvent({ namespace: ns });
      await out.write(`resources/ns/${ns}/events.json`, JSON.stringify(events.items, null, 1));
      for (const p of pods.items) {
        const name = p.metadata!.name!;
        const containers = [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map(
          (c) => c.name,
        );
        for (const c of containers) {
          const log = await core
            .readNamespacedPodLog({ name, namespace: ns, container: c, tailLines: 2000 })
            .catch((e: Error) => `could not read log: ${e.message}`);
          await out.write(`podlogs/${ns}/${name}/${c}.log`, String(log));
        }
        if (d.istioctl && containers.includes("istio-proxy")) {
          const pc = await execa(d.istioctl, ["proxy-config", "all", `${name}.${ns}`, ...target], {
            reject: false,
            all: true,
          });
          await out.write(`envoy/${ns}/${name}/proxy-config.txt`, String(pc.all));
        }
      }
    } catch (e) {
      await note(`namespace-${ns}`, e);
    }
  }
  try {
    const pods = await core.listNamespacedPod({
      namespace: "ssc-prometheus",
      labelSelector: "app=prometheus",
    });
    const p = pods.items[0];
    if (p) {
      const run = podRunner(new Exec(d.kc), {
        namespace: "ssc-prometheus",
        pod: p.metadata!.name!,
        container: "client",
      });
      const r = await curl(run, { url: "http://127.0.0.1:9090/api/v1/targets?state=any", timeoutMs: 10_000 });
      await out.write("prometheus/targets.json", r.body || r.message);
    }
  } catch (e) {
    await note("prometheus-targets", e);
  }
  if (out.truncated.length) await out.write("meta/truncated.txt", out.truncated.join("\n"));
  return out;
}
