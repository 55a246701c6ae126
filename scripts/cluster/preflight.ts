import { readFile } from "node:fs/promises";
import { freemem, totalmem } from "node:os";
import { execa } from "execa";
import { InfrastructureError } from "../errors.ts";

// What a machine needs before a cell can be provisioned. Each check says OK, or what is wrong and
// what to do; `ssc doctor` prints them, `ssc up`/`run` stop on the first hard failure.
export type CheckStatus = "ok" | "warn" | "fail";
export interface Check {
  id: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export const DOCKER_TIMEOUT_MS = 4_000;

/** What the cells need of Docker: it answers, and how many CPUs and bytes of memory it has. */
export interface DockerInfo {
  version: string;
  cpus: number;
  memoryBytes: number;
}

const DOCKER_FIX =
  "start Docker (kind and k3s need it); without Docker, test an existing cluster with --kubeconfig <file> --no-provision, or prove the probes offline with ssc selftest";

/** `docker info` once: old clients print zeros and exit 0 when the daemon is down, so an empty
 * version or zero CPUs counts as unreachable too. */
export async function dockerInfo(signal?: AbortSignal): Promise<DockerInfo | { problem: string }> {
  const r = await execa("docker", ["info", "--format", "{{.ServerVersion}}|{{.NCPU}}|{{.MemTotal}}"], {
    reject: false,
    timeout: DOCKER_TIMEOUT_MS,
    cancelSignal: signal,
  });
  const [version = "", cpus = "0", mem = "0"] = String(r.stdout).trim().split("|");
  if (r.exitCode === 0 && version && Number(cpus) > 0) {
    return { version, cpus: Number(cpus), memoryBytes: Number(mem) };
  }
  const why = r.timedOut
    ? `no answer within ${DOCKER_TIMEOUT_MS / 1000}s`
    : (String(r.stderr)
        .trim()
        .split("\n")
        .find((l) => l.trim()) ??
      (r.code === "ENOENT" || r.exitCode === undefined ? "docker not found on PATH" : r.shortMessage) ??
      "no answer");
  return { problem: why.replace(/^ERROR: /, "") };
}

export async function checkDocker(): Promise<Check> {
  const d = await dockerInfo();
  if ("problem" in d) {
    return {
      id: "docker",
      status: "fail",
      detail: `Docker is not reachable (${d.problem})`,
      fix: DOCKER_FIX,
    };
  }
  return {
    id: "docker",
    status: "ok",
    detail: `Docker engine ${d.version} reachable, ${d.cpus} CPUs, ${(d.memoryBytes / 1024 ** 3).toFixed(1)} GiB`,
  };
}

/** The one line a run says when Docker is needed and not there. */
export const dockerUnreachable = (problem: string) => `Docker is not reachable (${problem}); ${DOCKER_FIX}`;

/** Fails fast with exit 3 when Docker is needed and not there; the run asks once, not per cell. */
export async function requireDocker(signal?: AbortSignal): Promise<DockerInfo> {
  const d = await dockerInfo(signal);
  if ("problem" in d) throw new InfrastructureError(dockerUnreachable(d.problem));
  return d;
}

/** A cell schedules only if Docker's CPUs and memory cover its requests (kind nodes report the
 * machine's, or Docker VM's, CPUs and memory as allocatable; kind sets no limits of its own). */
export function checkCapacity(
  cell: string,
  need: { cpuMillis: number; memoryMiB: number },
  docker: DockerInfo,
): void {
  const haveMiB = docker.memoryBytes / 1024 ** 2;
  if (docker.cpus * 1000 >= need.cpuMillis && haveMiB >= need.memoryMiB) return;
  throw new InfrastructureError(
    `cell ${cell} requests ${(need.cpuMillis / 1000).toFixed(2)} CPUs and ${(need.memoryMiB / 1024).toFixed(1)} GiB of memory, but Docker has ${docker.cpus} CPUs and ${(haveMiB / 1024).toFixed(1)} GiB: give Docker at least ${Math.ceil(need.cpuMillis / 1000)} CPUs and ${Math.ceil(need.memoryMiB / 1024)} GiB, or run fewer tests (--test)`,
  );
}

async function readNumber(path: string): Promise<number | undefined> {
  try {
    return Number.parseInt((await readFile(path, "utf8")).trim(), 10);
  } catch {
    return undefined;
  }
}

// kind's known-issues page: many clusters exhaust inotify ("too many open files").
export const INOTIFY_MIN = { watches: 524_288, instances: 512 } as const;
export const MEMORY_PER_CLUSTER_GIB = 3;

/** kind's minimums are per machine; with N clusters at once, N times its watches and instances. */
export async function checkInotify(clusters = 1): Promise<Check> {
  const watches = await readNumber("/proc/sys/fs/inotify/max_user_watches");
  const instances = await readNumber("/proc/sys/fs/inotify/max_user_instances");
  if (watches === undefined || instances === undefined) {
    return {
      id: "inotify",
      status: "ok",
      detail: "no /proc/sys/fs/inotify here (not Linux): nothing to check",
    };
  }
  const need = {
    watches: INOTIFY_MIN.watches * Math.max(1, clusters),
    instances: INOTIFY_MIN.instances * Math.max(1, clusters),
  };
  const low = watches < need.watches || instances < need.instances;
  return {
    id: "inotify",
    status: low ? "warn" : "ok",
    detail: `max_user_watches ${watches}, max_user_instances ${instances}`,
    fix: low
      ? `sysctl fs.inotify.max_user_watches=${need.watches} fs.inotify.max_user_instances=${need.instances} (kind known issue: too many open files${clusters > 1 ? `; ${clusters} clusters at once` : ""})`
      : undefined,
  };
}

/** An IPv6 or dual-stack kind cluster needs IPv6 on the host (kind's configuration docs, "IP
 * Family": net.ipv6.conf.all.disable_ipv6 = 0); without it kind falls back to an IPv4-only Docker
 * network (pkg/cluster/internal/providers/docker/network.go L76-82, v0.32.0) and the cell would
 * not be the family it claims. Where the file is absent (not Linux, Docker in a VM) nothing is known. */
export async function checkHostIpv6(path = "/proc/sys/net/ipv6/conf/all/disable_ipv6"): Promise<Check> {
  const disabled = await readNumber(path);
  if (disabled === undefined)
    return { id: "ipv6", status: "ok", detail: `no ${path} here: Docker's host decides` };
  return disabled === 0
    ? { id: "ipv6", status: "ok", detail: "IPv6 enabled on this host" }
    : {
        id: "ipv6",
        status: "fail",
        detail: `IPv6 is disabled on this host (${path} = ${disabled})`,
        fix: "sysctl net.ipv6.conf.all.disable_ipv6=0, or run only IPv4 cells (drop --ip-family ipv6/dual)",
      };
}

export function checkMemory(clusters: number, free = freemem(), total = totalmem()): Check {
  const gib = (b: number) => b / 1024 ** 3;
  const need = clusters * MEMORY_PER_CLUSTER_GIB;
  const ok = gib(free) >= need;
  return {
    id: "memory",
    status: ok ? "ok" : "warn",
    detail: `${gib(free).toFixed(1)} GiB free of ${gib(total).toFixed(1)}; ${clusters} cluster(s) need about ${need} GiB`,
    fix: ok ? undefined : "run fewer cells at once (shard the matrix across jobs) or free memory",
  };
}

export async function checkBinary(
  name: string,
  args: string[],
  required: boolean,
  fix: string,
): Promise<Check> {
  const r = await execa(name, args, { reject: false, timeout: 5_000 });
  if (r.exitCode === 0)
    return { id: name, status: "ok", detail: String(r.stdout).trim().split("\n")[0] ?? name };
  return { id: name, status: required ? "fail" : "warn", detail: `${name} not usable on PATH`, fix };
}
