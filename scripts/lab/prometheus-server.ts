import { createServer } from "node:net";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { InfrastructureError } from "../errors.ts";
import { eventually } from "../probes/backoff.ts";

// A real Prometheus for the lab: Debian's binary when it is on PATH (CI installs it), otherwise
// the prom/prometheus image through testcontainers on the host network, so it reaches the lab's
// loopback pods. Whatever starts here is stopped by stop(), also when a test fails.
export interface LabPrometheus {
  url: string;
  how: "binary" | "container";
  stop(): Promise<void>;
}

export const PROMETHEUS_READY_TIMEOUT_MS = 20_000;

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Waits for /-/ready; on failure stops what was started, so nothing outlives the error. */
async function waitReady(
  url: string,
  exited: () => string | undefined,
  stop: () => Promise<void>,
): Promise<void> {
  const r = await eventually<string>(async () => {
    const gone = exited();
    if (gone) return { done: true, value: gone };
    try {
      const res = await fetch(`${url}/-/ready`);
      return res.ok ? { done: true, value: "" } : { done: false, last: `HTTP ${res.status}` };
    } catch (e) {
      return { done: false, last: (e as Error).message };
    }
  }, PROMETHEUS_READY_TIMEOUT_MS);
  if (r.timedOut || r.value) {
    await stop();
    throw new InfrastructureError(`lab Prometheus at ${url} not ready: ${r.value || "timed out"}`);
  }
}

export async function binaryAvailable(): Promise<boolean> {
  return (await execa("prometheus", ["--version"], { reject: false })).exitCode === 0;
}

/** Starts Prometheus on a free port of 127.0.0.1. `labDir` holds the configuration, the file_sd
 * files and the client certificates; a container gets it bind-mounted at the same path. */
export async function startPrometheus(configFile: string, labDir: string): Promise<LabPrometheus> {
  const host = "127.0.0.1";
  const port = await freePort(host);
  const url = `http://${host}:${port}`;
  if (await binaryAvailable()) {
    const child: ResultPromise = execa(
      "prometheus",
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(labDir, "tsdb")}`,
        `--web.listen-address=${host}:${port}`,
        "--web.enable-lifecycle",
      ],
      { reject: false, all: true, buffer: { all: true } },
    );
    let exit: string | undefined;
    child.then((r) => {
      exit = `prometheus exited ${r.exitCode ?? r.signal}: ${String(r.all ?? "")
        .split("\n")
        .slice(-3)
        .join(" | ")}`;
    });
    const stop = async () => {
      if (exit === undefined) {
        child.kill("SIGTERM");
        await child;
      }
    };
    await waitReady(url, () => exit, stop);
    return { url, how: "binary", stop };
  }
  return startContainer(configFile, labDir, url, port);
}

async function startContainer(
  configFile: string,
  labDir: string,
  url: string,
  port: number,
): Promise<LabPrometheus> {
  const { GenericContainer, getContainerRuntimeClient } = await import("testcontainers");
  try {
    await getContainerRuntimeClient();
  } catch {
    throw new InfrastructureError(
      "the lab needs a Prometheus: install one on PATH (Debian: apt-get install prometheus) or start Docker for the prom/prometheus container",
    );
  }
  const { IMAGES } = await import("../catalog/images.ts");
  const container = await new GenericContainer(IMAGES.prometheus)
    .withNetworkMode("host")
    .withBindMounts([{ source: labDir, target: labDir, mode: "ro" }])
    .withCommand([`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`])
    .start();
  const stop = async () => {
    await container.stop();
  };
  await waitReady(url, () => undefined, stop);
  return { url, how: "container", stop };
}
