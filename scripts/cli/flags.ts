import { DEFAULT_CONSECUTIVE_SUCCESSES, timeoutHelp } from "../timeouts.ts";
import { COMMON_FLAGS, type FlagSpec } from "./options.ts";

// Every command's flags as data, in a module that imports nothing heavy: the CLI parses and
// answers --help without loading the lab, the PKI or the Kubernetes client.

const RUN_ID_FLAG: FlagSpec = {
  name: "run-id",
  type: "string",
  description: "id used in cluster names and object labels (default: random)",
  valueName: "id",
};
const WORK_DIR_FLAG: FlagSpec = {
  name: "work-dir",
  type: "string",
  description: "folder for kubeconfigs and rendered manifests",
  default: ".ssc/runs",
  valueName: "dir",
};
/** One form for every command that waits: name=duration, the names from scripts/timeouts.ts. */
const TIMEOUT_FLAG: FlagSpec = {
  name: "timeout",
  type: "string",
  list: true,
  description: `override named waits, e.g. istioReady=10m,targetsUp=90s. Names and defaults: ${timeoutHelp()}`,
  valueName: "name=duration",
};
const CONSECUTIVE_FLAG: FlagSpec = {
  name: "consecutive-successes",
  type: "string",
  description: "a probe passes when it passes this many times in a row within its named timeout",
  default: String(DEFAULT_CONSECUTIVE_SUCCESSES),
  valueName: "n",
};

export const MATRIX_FLAGS: readonly FlagSpec[] = [
  {
    name: "istio",
    type: "string",
    list: true,
    description:
      "Istio versions: 1.31.1, a minor (1.31 = latest known patch) or latest (default: latest; on an existing cluster, its installed version)",
    valueName: "versions",
  },
  {
    name: "profile",
    type: "string",
    list: true,
    description: "Istio profiles: default, ambient",
    default: ["default"],
    valueName: "profiles",
  },
  {
    name: "k8s",
    type: "string",
    description: "Kubernetes minor for every cell (default: newest supported by the Istio minor)",
    valueName: "minor",
  },
  {
    name: "allow-unsupported-k8s",
    type: "boolean",
    description: "accept a --k8s outside the Istio minor's supported range",
  },
  {
    name: "allow-unlisted-istio",
    type: "boolean",
    description: "accept a patch newer than the catalog knows",
  },
];

export const SELECTION_FLAGS: readonly FlagSpec[] = [
  {
    name: "test",
    type: "string",
    list: true,
    description: "run only these test ids; the rest are reported skipped",
    valueName: "ids",
  },
  { name: "skip", type: "string", list: true, description: "never run these test ids", valueName: "ids" },
];

export const PLAN_FLAGS: readonly FlagSpec[] = [
  ...MATRIX_FLAGS,
  ...SELECTION_FLAGS,
  RUN_ID_FLAG,
  WORK_DIR_FLAG,
  ...COMMON_FLAGS,
];

export const RENDER_FLAGS: readonly FlagSpec[] = [
  ...MATRIX_FLAGS,
  ...SELECTION_FLAGS,
  {
    name: "out",
    type: "string",
    description: "folder to write into (one sub-folder per cell when several)",
    valueName: "dir",
  },
  {
    name: "run-id",
    type: "string",
    description: "run id stamped on the objects' labels",
    default: "render",
    valueName: "id",
  },
  ...COMMON_FLAGS,
];

export const PROBE_KINDS = ["mtls", "plaintext", "no-cert", "foreign-ca", "identity", "targets"] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

export const PROBE_FLAGS: readonly FlagSpec[] = [
  {
    name: "url",
    type: "string",
    description: "secure metrics URL, e.g. https://127.0.0.1:15092/stats/prometheus",
    valueName: "url",
  },
  { name: "ca", type: "string", description: "mesh root certificate (root-cert.pem)", valueName: "file" },
  {
    name: "cert",
    type: "string",
    description: "mesh client certificate chain (cert-chain.pem)",
    valueName: "file",
  },
  { name: "key", type: "string", description: "mesh client key (key.pem)", valueName: "file" },
  {
    name: "expect-identity",
    type: "string",
    description: "identity: the SPIFFE id the server must present",
    valueName: "spiffe",
  },
  { name: "prometheus", type: "string", description: "targets: Prometheus base URL", valueName: "url" },
  { name: "job", type: "string", description: "targets: scrape job name", valueName: "name" },
  { name: "target", type: "string", description: "targets: expected scrape URL", valueName: "url" },
  TIMEOUT_FLAG,
  CONSECUTIVE_FLAG,
  ...COMMON_FLAGS,
];

export const LIST_FLAGS: readonly FlagSpec[] = [...COMMON_FLAGS];

export const SELFTEST_FLAGS: readonly FlagSpec[] = [...COMMON_FLAGS];

export const PROVISION_FLAGS: readonly FlagSpec[] = [
  {
    name: "cluster",
    type: "string",
    description: "where cells run: kind or k3s (testcontainers)",
    default: "kind",
    valueName: "kind|k3s",
  },
  {
    name: "kubeconfig",
    type: "string",
    description: "test an existing cluster instead (bring your own); implies --no-provision",
    valueName: "file",
  },
  {
    name: "context",
    type: "string",
    description: "kubeconfig context of the existing cluster",
    valueName: "name",
  },
  {
    name: "no-provision",
    type: "boolean",
    description: "create no cluster: use the one --kubeconfig points at",
  },
  {
    name: "use-existing-istio",
    type: "boolean",
    description: "existing cluster: test its Istio even if it is not the --istio version",
  },
  {
    name: "tools-dir",
    type: "string",
    description: "folder with kind/istioctl binaries for air-gapped use (env SSC_TOOLS_DIR)",
    valueName: "dir",
  },
  {
    name: "mirror",
    type: "string",
    description: "base URL replacing https://github.com for downloads (env SSC_MIRROR)",
    valueName: "url",
  },
  TIMEOUT_FLAG,
  CONSECUTIVE_FLAG,
  {
    name: "dry-run",
    type: "boolean",
    description: "print every command and API call, in order, and execute nothing",
  },
  {
    name: "keep-on-failure",
    type: "boolean",
    description: "keep the cluster and work folder when something fails",
  },
  RUN_ID_FLAG,
  WORK_DIR_FLAG,
];

export const UP_FLAGS: readonly FlagSpec[] = [
  ...MATRIX_FLAGS,
  ...SELECTION_FLAGS,
  ...PROVISION_FLAGS,
  ...COMMON_FLAGS,
];

export const RUN_FLAGS: readonly FlagSpec[] = [
  ...MATRIX_FLAGS,
  ...SELECTION_FLAGS,
  ...PROVISION_FLAGS,
  { name: "keep", type: "boolean", description: "keep clusters and work folders after the run" },
  {
    name: "fail-fast",
    type: "boolean",
    description: "stop after the first cell that fails or errors; the rest are reported not run",
  },
  {
    name: "reuse",
    type: "string",
    description: "test the cell `ssc up --run-id <id>` left running; nothing is created or removed",
    valueName: "run-id",
  },
  {
    name: "report-dir",
    type: "string",
    description: "where reports go (default reports/<run id>)",
    valueName: "dir",
  },
  {
    name: "organization",
    type: "string",
    description: "report: who built the mesh under test",
    default: "unknown",
    valueName: "org",
  },
  {
    name: "project",
    type: "string",
    description: "report: the mesh distribution's name",
    default: "istio",
    valueName: "name",
  },
  {
    name: "url",
    type: "string",
    description: "report: where the distribution lives",
    default: "https://istio.io",
    valueName: "url",
  },
  {
    name: "implementation-version",
    type: "string",
    description: "report: the distribution's version (default: the Istio versions tested)",
    valueName: "version",
  },
  {
    name: "contact",
    type: "string",
    list: true,
    description: "report: who to contact about it",
    valueName: "who",
  },
  ...COMMON_FLAGS,
];

export const DOWN_FLAGS: readonly FlagSpec[] = [
  { name: "run-id", type: "string", description: "remove what this run created", valueName: "id" },
  {
    name: "all",
    type: "boolean",
    description: "remove every kind cluster ssc created (named ssc-*), nothing else",
  },
  {
    name: "kubeconfig",
    type: "string",
    description: "existing cluster: delete the objects labelled with --run-id there",
    valueName: "file",
  },
  { name: "context", type: "string", description: "kubeconfig context", valueName: "name" },
  {
    name: "work-dir",
    type: "string",
    description: "folder of the runs' work folders",
    default: ".ssc/runs",
    valueName: "dir",
  },
  ...COMMON_FLAGS,
];

export const DOCTOR_FLAGS: readonly FlagSpec[] = [...COMMON_FLAGS];
