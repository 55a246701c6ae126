import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

// Executables that stand in for docker, kind and istioctl in process-level tests, found by ssc
// through PATH (docker) and --tools-dir (kind, istioctl). Each logs its argv and pid as a JSON line
// and does what the test scripted through environment variables: answer, fail, hang (exec'd
// sleep, so a kill reaches it) or be slow. They prove how ssc behaves when those tools misbehave;
// they never stand for a live run.
export interface StandInBehaviour {
  /** docker info: "up" (default) answers with CPUs and memory, "down" fails like a dead daemon. */
  docker?: "up" | "down";
  dockerCpus?: number;
  dockerMemoryBytes?: number;
  /** kind create cluster: "ok" writes a kubeconfig for `apiserver`; "hang"; "fail". */
  kindCreate?: "ok" | "hang" | "fail";
  /** kind create cluster fails for cluster names containing this, whatever kindCreate says. */
  kindCreateFailFor?: string;
  /** kind delete cluster: "ok", "fail" (exit 1 with a message) or "slow" (2 s, then ok). */
  kindDelete?: "ok" | "fail" | "slow";
  /** Names `kind get clusters` prints. */
  kindClusters?: string[];
  /** istioctl install: "ok", "hang" or "fail". */
  istioctlInstall?: "ok" | "hang" | "fail";
  /** The scripted API server kind's kubeconfig points at. */
  apiserver?: string;
}

export interface StandIns {
  dir: string;
  log: string;
  env(b: StandInBehaviour): Record<string, string>;
  /** Every invocation so far, in order. */
  calls(): Promise<{ tool: string; pid: number; args: string[] }[]>;
}

// POSIX sh: one JSON line per call, written at once. Arguments are JSON-escaped for quotes and backslashes only,
// which is all the tests pass.
const LOG = `log_call() {
  tool=$1; shift
  line=$(printf '{"tool":"%s","pid":%s,"args":[' "$tool" "$$")
  sep=""
  for a in "$@"; do
    e=$(printf '%s' "$a" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')
    line="$line$sep\\"$e\\""
    sep=","
  done
  # One write per call: stand-ins of cells running at once append to the same log.
  printf '%s]}\\n' "$line" >> "$STANDIN_LOG"
}
arg_after() { want=$1; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
`;

const DOCKER = `#!/bin/sh
${LOG}
log_call docker "$@"
case "$1" in
  -v|--version) echo "Docker version 28.2.2, build stand-in"; exit 0 ;;
  info)
    if [ "$STANDIN_DOCKER" = "down" ]; then
      echo "Cannot connect to the Docker daemon at unix:///nonexistent.sock. Is the docker daemon running?" >&2
      exit 1
    fi
    echo "28.2.2|\${STANDIN_DOCKER_CPUS:-4}|\${STANDIN_DOCKER_MEMORY:-8589934592}"; exit 0 ;;
esac
exit 0
`;

const KIND = `#!/bin/sh
${LOG}
log_call kind "$@"
case "$1 $2" in
  "get clusters")
    if [ -z "$STANDIN_KIND_CLUSTERS" ]; then echo "No kind clusters found." >&2; exit 0; fi
    for c in $STANDIN_KIND_CLUSTERS; do echo "$c"; done; exit 0 ;;
  "create cluster")
    case "$(arg_after --name "$@")" in
      *"\${STANDIN_KIND_CREATE_FAIL_FOR:-//none//}"*) echo "ERROR: failed to create cluster: stand-in told to fail this one" >&2; exit 1 ;;
    esac
    case "$STANDIN_KIND_CREATE" in
      hang) exec sleep 3600 ;;
      fail) echo "ERROR: failed to create cluster: stand-in told to fail" >&2; exit 1 ;;
    esac
    kc=$(arg_after --kubeconfig "$@")
    ctx="kind-$(arg_after --name "$@")"
    mkdir -p "$(dirname "$kc")"
    # Named as kind names them: cluster, user and context kind-<cluster name>.
    cat > "$kc" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: $ctx, cluster: {server: '$STANDIN_APISERVER', insecure-skip-tls-verify: true}}]
users: [{name: $ctx, user: {token: stand-in}}]
contexts: [{name: $ctx, context: {cluster: $ctx, user: $ctx}}]
current-context: $ctx
EOF
    exit 0 ;;
  "delete cluster")
    if [ "$STANDIN_KIND_DELETE" = "slow" ]; then sleep 2; fi
    if [ "$STANDIN_KIND_DELETE" = "fail" ]; then
      echo "ERROR: failed to delete cluster \\"$(arg_after --name "$@")\\": error listing nodes: stand-in told to fail" >&2
      exit 1
    fi
    echo "Deleting cluster \\"$(arg_after --name "$@")\\" ..." >&2; exit 0 ;;
  "export logs")
    mkdir -p "$3" && echo "stand-in node log" > "$3/kind-version.txt"; echo "$3"; exit 0 ;;
  version*) echo "kind v0.32.0 stand-in"; exit 0 ;;
esac
exit 0
`;

const ISTIOCTL = `#!/bin/sh
${LOG}
log_call istioctl "$@"
case "$1" in
  install)
    case "$STANDIN_ISTIOCTL_INSTALL" in
      hang) exec sleep 3600 ;;
      fail) echo "Error: failed to install manifests: stand-in told to fail" >&2; exit 1 ;;
    esac
    echo "✔ Installation complete"; exit 0 ;;
  version) echo "client version: 1.31.1"; exit 0 ;;
esac
echo "Error: stand-in istioctl has no $1" >&2
exit 1
`;

export async function writeStandIns(dir: string): Promise<StandIns> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of [
    ["docker", DOCKER],
    ["kind", KIND],
    ["istioctl", ISTIOCTL],
  ] as const) {
    await writeFile(join(dir, name), text);
    await chmod(join(dir, name), 0o755);
  }
  const log = join(dir, "calls.jsonl");
  await writeFile(log, "");
  return {
    dir,
    log,
    env: (b) => ({
      PATH: `${dir}:${process.env.PATH ?? ""}`,
      STANDIN_LOG: log,
      STANDIN_DOCKER: b.docker ?? "up",
      STANDIN_DOCKER_CPUS: String(b.dockerCpus ?? 4),
      STANDIN_DOCKER_MEMORY: String(b.dockerMemoryBytes ?? 8 * 1024 ** 3),
      STANDIN_KIND_CREATE: b.kindCreate ?? "ok",
      ...(b.kindCreateFailFor ? { STANDIN_KIND_CREATE_FAIL_FOR: b.kindCreateFailFor } : {}),
      STANDIN_KIND_DELETE: b.kindDelete ?? "ok",
      STANDIN_KIND_CLUSTERS: (b.kindClusters ?? []).join(" "),
      STANDIN_ISTIOCTL_INSTALL: b.istioctlInstall ?? "ok",
      STANDIN_APISERVER: b.apiserver ?? "http://127.0.0.1:9",
    }),
    async calls() {
      return (await readFile(log, "utf8"))
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { tool: string; pid: number; args: string[] });
    },
  };
}
