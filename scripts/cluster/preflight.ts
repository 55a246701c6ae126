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

export async function checkDocker(): Promise<Check> {
  const r = await execa("docker", ["info", "--format", "{{.ServerVersion}}"], {
    reject: false,
    timeout: DOCKER_TIMEOUT_MS,
  });
  if (r.exitCode === 0)
    return { id: "docker", status: "ok", detail: `Docker engine ${r.stdout.trim()} reachable` };
  const why = r.timedOut
    ? `no answer within ${DOCKER_TIMEOUT_MS / 1000}s`
    : (String(r.stderr)
        .trim()
        .split("\n")
        .find((l) => l.trim()) ??
      r.shortMessage ??
      "docker not found");
  return {
    id: "docker",
    status: "fail",
    detail: `Docker is not reachable (${why.replace(/^ERROR: /, "")})`,
    fix: "start Docker (kind and k3s need it), or test an existing cluster with --kubeconfig <file> --no-provision",
  };
}

/** Fails fast with exit 3 when Docker is needed and not there. */
export async function requireDocker(): Promise<void> {
  const c = await checkDocker();
  if (c.status !== "ok") throw new InfrastructureError(`${c.detail}; ${c.fix}`);
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

export async function checkInotify(): Promise<Check> {
  const watches = await readNumber("/proc/sys/fs/inotify/max_user_watches");
  const instances = await readNumber("/proc/sys/fs/inotify/max_user_instances");
  if (watches === undefined || instances === undefined) {
    return {
      id: "inotify",
      status: "ok",
      detail: "no /proc/sys/fs/inotify here (not Linux): nothing to check",
    };
  }
  const low = watches < INOTIFY_MIN.watches || instances < INOTIFY_MIN.instances;
  return {
    id: "inotify",
    status: low ? "warn" : "ok",
    detail: `max_user_watches ${watches}, max_user_instances ${instances}`,
    fix: low
      ? `sysctl fs.inotify.max_user_watches=${INOTIFY_MIN.watches} fs.inotify.max_user_instances=${INOTIFY_MIN.instances} (kind known issue: too many open files)`
      : undefined,
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
