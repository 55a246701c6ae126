import { DEFAULT_CONSECUTIVE_SUCCESSES, timeoutHelp } from "../timeouts.ts";
import { type FlagSpec, FORMAT_FLAG, HELP_FLAG, OPTIONS_FILE_FLAG } from "./options.ts";

// Every command's flags as data, in a module that imports nothing heavy: the CLI parses and
// answers --help without loading the lab, the PKI or the Kubernetes client. Usage lines and help
// are generated from these lists, so they name every flag a command takes and nothing else.

const RUN_ID_FLAG: FlagSpec = {
  name: "run-id",
  type: "string",
  description:
    "names this run's clusters, folders and object labels: 1 to 20 of a-z, 0-9 and -, starting and ending with a letter or digit (default: random)",
  valueName: "id",
};
const WORK_DIR_FLAG: FlagSpec = {
  name: "work-dir",
  type: "string",
  description: "folder for each run's kubeconfigs and rendered manifests",
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
const MIRROR_FLAG: FlagSpec = {
  name: "mirror",
  type: "string",
  description: "base URL replacing https://github.com for tool and manifest downloads (env SSC_MIRROR)",
  valueName: "url",
};
const TOOLS_DIR_FLAG: FlagSpec = {
  name: "tools-dir",
  type: "string",
  description:
    "folder with kind/istioctl binaries for air-gapped use, checked against a .sha256 beside each (env SSC_TOOLS_DIR)",
  valueName: "dir",
};

const REGISTRY_MIRROR_FLAG: FlagSpec = {
  name: "registry-mirror",
  type: "string",
  list: true,
  description:
    "kind nodes pull <registry> through a pull-through cache at <host:port> (one per registry; ssc cache start runs them)",
  valueName: "registry=host:port",
};

const MATRIX_OPTIONS: readonly FlagSpec[] = [
  {
    name: "allow-unsupported-k8s",
    type: "boolean",
    description: "accept a --k8s outside the Istio minor's supported range",
  },
  {
    name: "allow-unlisted-istio",
    type: "boolean",
    description:
      "qualify what the catalog does not list: a newer patch, a new minor or pre-release (1.32.0, 1.32.0-rc.0), a vendor build (1.26.3-solo) judged as its semver core; the cell is marked unlisted with what was assumed",
  },
];

/** --istio and --profile over a matrix (run, plan, render). */
const MATRIX_FLAGS: readonly FlagSpec[] = [
  {
    name: "istio",
    type: "string",
    list: true,
    description:
      "Istio versions: 1.31.1, a minor (1.31 = latest known patch), a range of minors (1.28..1.31), all, latest or latest-N (default: latest; on an existing cluster, its installed version)",
    valueName: "versions",
  },
  {
    name: "profile",
    type: "string",
    list: true,
    description:
      "Istio profiles: default, ambient; combinations that cannot exist (ambient before 1.24) are skipped cells",
    default: ["default"],
    valueName: "profiles",
  },
  {
    name: "k8s",
    type: "string",
    list: true,
    description:
      "Kubernetes minors (default: per Istio minor the newest it supports); a minor an Istio minor does not support is a skipped cell",
    valueName: "minors",
  },
  {
    name: "ip-family",
    type: "string",
    list: true,
    description:
      "cluster IP families: ipv4, ipv6, dual (kind networking.ipFamily); ipv6 and dual are extended cells whose ids end in -ipv6 / -dual",
    default: ["ipv4"],
    valueName: "families",
  },
  {
    name: "enablement",
    type: "string",
    list: true,
    description:
      "how the native secure ports are turned on: pod (each workload's proxy config), mesh (meshConfig.defaultConfig.proxyMetadata); mesh is an extended cell whose id ends in -meshwide (Istio >= 1.31)",
    default: ["pod"],
    valueName: "enablements",
  },
  ...MATRIX_OPTIONS,
  {
    name: "cell",
    type: "string",
    list: true,
    description: "only these cells of the plan, by the ids ssc plan prints (one CI job per cell)",
    valueName: "ids",
  },
];

/** `ssc up` brings up exactly one cell: one version, one profile. */
const ONE_CELL_FLAGS: readonly FlagSpec[] = [
  {
    name: "istio",
    type: "string",
    description: "the one Istio version to bring up: 1.31.1, a minor (1.31) or latest (default: latest)",
    valueName: "version",
  },
  {
    name: "profile",
    type: "string",
    description: "the one Istio profile: default or ambient",
    default: "default",
    valueName: "profile",
  },
  {
    name: "k8s",
    type: "string",
    description: "the one Kubernetes minor (default: the newest the Istio minor supports)",
    valueName: "minor",
  },
  {
    name: "ip-family",
    type: "string",
    description: "the cluster's IP family: ipv4, ipv6 or dual",
    default: "ipv4",
    valueName: "family",
  },
  {
    name: "enablement",
    type: "string",
    description: "how the native secure ports are turned on: pod or mesh (meshConfig)",
    default: "pod",
    valueName: "enablement",
  },
  ...MATRIX_OPTIONS,
];

const SELECTION_FLAGS: readonly FlagSpec[] = [
  {
    name: "test",
    type: "string",
    list: true,
    description: "run only these test ids; the rest are reported skipped",
    valueName: "ids",
  },
  { name: "skip", type: "string", list: true, description: "never run these test ids", valueName: "ids" },
  {
    name: "include-slow",
    type: "boolean",
    description:
      "also run the slow tests (CertificateRotationContinuity waits out two certificate rotations, ~4 min per cell); without it they are skipped as opt-in, which leaves a result complete",
  },
];

export const PLAN_FORMATS = ["table", "json", "github-matrix"] as const;

export const PLAN_FLAGS: readonly FlagSpec[] = [
  ...MATRIX_FLAGS,
  ...SELECTION_FLAGS,
  REGISTRY_MIRROR_FLAG,
  RUN_ID_FLAG,
  WORK_DIR_FLAG,
  {
    ...FORMAT_FLAG,
    description:
      "output: table, json, or github-matrix ({include: [...]} of the runnable cells, for strategy.matrix)",
    valueName: PLAN_FORMATS.join("|"),
  },
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
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
    description: "run id stamped on the objects' labels (same rule as for ssc run)",
    default: "render",
    valueName: "id",
  },
  FORMAT_FLAG,
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
];

export const PROBE_KINDS = [
  "mtls",
  "plaintext",
  "no-cert",
  "foreign-ca",
  "identity",
  "payload",
  "targets",
] as const;
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
  {
    name: "port-kind",
    type: "string",
    description:
      "payload: envoy (15091: Envoy's metrics only) or merged (15092: the agent's merge); neither may serve /config_dump or /clusters",
    valueName: "envoy|merged",
  },
  { name: "prometheus", type: "string", description: "targets: Prometheus base URL", valueName: "url" },
  { name: "job", type: "string", description: "targets: the scrape job's job_name", valueName: "name" },
  { name: "target", type: "string", description: "targets: expected scrape URL", valueName: "url" },
  TIMEOUT_FLAG,
  CONSECUTIVE_FLAG,
  FORMAT_FLAG,
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
];

export const IMAGES_FLAGS: readonly FlagSpec[] = [
  ...MATRIX_FLAGS,
  ...SELECTION_FLAGS,
  REGISTRY_MIRROR_FLAG,
  FORMAT_FLAG,
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
];

export const REPORT_FLAGS: readonly FlagSpec[] = [
  {
    name: "out",
    type: "string",
    description: "merge only: folder the merged reports are written to",
    valueName: "dir",
  },
  {
    name: "expect",
    type: "string",
    list: true,
    description:
      "merge only: the cell ids the plan had (e.g. from the github-matrix): a cell with no report folder is an error in the joined report, never a silent gap",
    valueName: "ids",
  },
  {
    name: "prefer",
    type: "string",
    description:
      "merge only; newest: a cell in several folders takes the newer results test by test (a rerun of only the failed tests keeps the earlier passes); without it a cell present twice is an error",
    valueName: "newest",
  },
  {
    name: "run-id",
    type: "string",
    // No spec default: validate must tell a given --run-id from none.
    description: "merge only: the merged run's id in the reports (default merged)",
    valueName: "id",
  },
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
];

export const LIST_FLAGS: readonly FlagSpec[] = [FORMAT_FLAG, OPTIONS_FILE_FLAG, HELP_FLAG];

export const SELFTEST_FLAGS: readonly FlagSpec[] = [FORMAT_FLAG, OPTIONS_FILE_FLAG, HELP_FLAG];

const PROVISION_FLAGS: readonly FlagSpec[] = [
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
  TOOLS_DIR_FLAG,
  MIRROR_FLAG,
  REGISTRY_MIRROR_FLAG,
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
    description: "keep the cluster, its work folder and kubeconfig when something fails",
  },
  RUN_ID_FLAG,
  WORK_DIR_FLAG,
];

export const UP_FLAGS: readonly FlagSpec[] = [
  ...ONE_CELL_FLAGS,
  ...SELECTION_FLAGS,
  ...PROVISION_FLAGS,
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
];

export const RUN_FLAGS: readonly FlagSpec[] = [
  {
    ...FORMAT_FLAG,
    description:
      "table: progress on stderr (a live line per cell on a terminal, timestamped lines otherwise), a table at the end; json: NDJSON events on stdout as the run goes (schema/run-events.schema.json), the log on stderr",
  },
  ...MATRIX_FLAGS,
  ...SELECTION_FLAGS,
  ...PROVISION_FLAGS,
  { name: "keep", type: "boolean", description: "keep clusters, work folders and kubeconfigs after the run" },
  {
    name: "strict-findings",
    type: "boolean",
    description:
      "a contradicted finding (Istio did not behave as the facts predict) fails the run, instead of only being reported",
  },
  {
    name: "parallel",
    type: "string",
    description:
      "cells at once on this machine; auto fits the largest cell's requests into Docker's CPUs and memory and the free memory (each cell's output is prefixed with its id)",
    default: "auto",
    valueName: "n|auto",
  },
  {
    name: "fail-fast",
    type: "boolean",
    description: "stop after the first cell that fails or errors; the rest are reported not run",
  },
  {
    name: "reuse",
    type: "string",
    description:
      "test the cell(s) `ssc up --run-id <id>` left running (their versions and profiles unless given); nothing is created or removed",
    valueName: "run-id",
  },
  {
    name: "rerun-failed",
    type: "string",
    description:
      "run again only what failed, errored or never ran in this report folder (or a file in it), each test in its own cell with the versions that cell ran; the new report says what it reran, and ssc report merge <old> <new> --prefer newest joins the two",
    valueName: "report",
  },
  {
    name: "report-dir",
    type: "string",
    description: "where reports go (default reports/<run id>)",
    valueName: "dir",
  },
  {
    name: "mode",
    type: "string",
    description:
      "certification: the report certifies an implementation, so --organization, --project, --url, --implementation-version and --contact are required and the report's file name carries them",
    default: "default",
    valueName: "default|certification",
  },
  {
    name: "organization",
    type: "string",
    description: "report: who built the mesh under test (left out of the report when not given)",
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
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
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
  WORK_DIR_FLAG,
  FORMAT_FLAG,
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
];

export const DOCTOR_FLAGS: readonly FlagSpec[] = [
  MIRROR_FLAG,
  TOOLS_DIR_FLAG,
  FORMAT_FLAG,
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
];

export const CACHE_FLAGS: readonly FlagSpec[] = [
  {
    name: "registry",
    type: "string",
    list: true,
    description: "upstream registries to cache, one registry:2 proxy each",
    default: ["docker.io", "quay.io", "gcr.io", "ghcr.io"],
    valueName: "hosts",
  },
  FORMAT_FLAG,
  OPTIONS_FILE_FLAG,
  HELP_FLAG,
];
