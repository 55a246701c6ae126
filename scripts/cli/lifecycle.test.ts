import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { timeoutsFrom } from "../timeouts.ts";
import { placementFromOptions } from "./lifecycle-command.ts";

// A kubeconfig that parses, with a context "c"; nothing listens at its server.
const KUBECONFIG = join(await mkdtemp(join(tmpdir(), "ssc-kc-")), "kubeconfig");
await writeFile(
  KUBECONFIG,
  "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n",
);

const ssc = (...args: string[]) => execa(process.execPath, ["scripts/cli.ts", ...args], { reject: false });
// "Without Docker" on every machine: the Docker client is pointed at a socket that does not exist,
// so these run (and can fail) whether or not this machine has a daemon.
const noDocker = (...args: string[]) =>
  execa(process.execPath, ["scripts/cli.ts", ...args], {
    reject: false,
    env: { DOCKER_HOST: "unix:///nonexistent/ssc-test-docker.sock" },
  });

describe("without Docker", () => {
  it("ssc doctor names Docker as missing, with the fix, and exits 3", async () => {
    const r = await noDocker("doctor", "--format", "json");
    expect(r.exitCode).toBe(3);
    const { checks } = JSON.parse(r.stdout) as { checks: { id: string; status: string; fix?: string }[] };
    expect(checks.find((c) => c.id === "docker")).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/start Docker/),
    });
    expect(checks.map((c) => c.id)).toEqual([
      "docker",
      "kind",
      "istioctl",
      "curl",
      "kubectl",
      "prometheus",
      "inotify",
      "memory",
      "ipv6",
    ]);
  });

  it("ssc up exits 3 within 5 s saying Docker is not reachable, leaving nothing", async () => {
    const start = Date.now();
    const r = await noDocker("up", "--istio", "1.31", "--profile", "default", "--work-dir", ".ssc/test-runs");
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/Docker is not reachable/);
    expect((await execa("sh", ["-c", "ls .ssc/test-runs 2>/dev/null | wc -l"])).stdout.trim()).toBe("0");
  });
});

describe("ssc run", () => {
  it("without Docker exits 3 and still writes a report marking the cell as an infrastructure error", async () => {
    const { mkdtemp, readFile, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "ssc-run-"));
    try {
      const r = await noDocker(
        "run",
        "--istio",
        "1.31",
        "--report-dir",
        dir,
        "--work-dir",
        join(dir, "work"),
      );
      expect(r.exitCode).toBe(3);
      const { parse } = await import("yaml");
      const report = parse(await readFile(join(dir, "conformance-report.yaml"), "utf8")) as {
        cells: { result: string; error: string; failedTests: unknown[]; erroredTests: unknown[] }[];
      };
      expect(report.cells[0]).toMatchObject({ result: "error", failedTests: [] });
      expect(report.cells[0]!.error).toMatch(/Docker is not reachable/);
      expect(report.cells[0]!.erroredTests.length).toBeGreaterThan(0);
      expect(await readFile(join(dir, "junit.xml"), "utf8")).toContain('type="InfrastructureError"');
      expect(await readFile(join(dir, "summary.md"), "utf8")).toContain("## Reproduce");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("--dry-run --test PrometheusSecureTargetsUp prints only what that test needs in each cell", async () => {
    const r = await ssc(
      "run",
      "--dry-run",
      "--istio",
      "1.30,1.31",
      "--profile",
      "default,ambient",
      "--test",
      "PrometheusSecureTargetsUp",
      "--run-id",
      "d",
    );
    expect(r.exitCode).toBe(0);
    const cells = r.stdout.split(/^# cell /m).slice(1);
    expect(cells).toHaveLength(4);
    expect(cells.filter((x) => x.startsWith("istio-1.30"))).toHaveLength(2);
    expect(cells.filter((x) => x.startsWith("istio-1.31"))).toHaveLength(2);
    for (const c of cells.filter((x) => x.startsWith("istio-1.30"))) {
      expect(c).toMatch(/nothing-to-run/);
      expect(c).not.toMatch(/kind create/);
    }
    for (const c of cells.filter((x) => x.startsWith("istio-1.31"))) {
      const deploys = [...c.matchAll(/\] ((?:deploy|patch)-[a-z-]+):/g)].map((m) => m[1]);
      expect(deploys).toEqual(["deploy-secure-prometheus", "deploy-httpbin-native"]);
      expect(c).not.toMatch(/gateway-api|ingressgateway enabled|prometheus-operator/);
      expect(c).toMatch(/run-tests: run 1 test\(s\): PrometheusSecureTargetsUp/);
    }
  });
});

describe("ssc run --reuse (the cell ssc up left)", () => {
  it("connects instead of creating, installs nothing and tears nothing down", async () => {
    const { mkdtemp, mkdir, writeFile, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const work = await mkdtemp(join(tmpdir(), "ssc-reuse-"));
    try {
      await mkdir(join(work, "dev", "istio-1.31.1-default-k8s-1.36"), { recursive: true });
      await writeFile(join(work, "dev", "istio-1.31.1-default-k8s-1.36", "kubeconfig"), "");
      const r = await ssc(
        "run",
        "--reuse",
        "dev",
        "--istio",
        "1.31.1",
        "--test",
        "SidecarSecureScrapeMtls",
        "--work-dir",
        work,
        "--dry-run",
      );
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/connect: reuse the cluster ssc up made \(ssc-1\.31\.1-default-k1\.36-dev\)/);
      expect(r.stdout).not.toMatch(/kind create|istioctl install|delete cluster|export logs/);
      const missing = await ssc("run", "--reuse", "gone", "--istio", "1.31.1", "--work-dir", work);
      expect(missing.exitCode).toBe(2);
      expect(missing.stderr).toMatch(
        /--reuse gone: no cell istio-1\.31\.1-default-k8s-1\.36 from ssc up here/,
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe("bad input is exit 2 before anything runs", () => {
  it.each([
    [["run", "--kubeconfig", "does-not-exist.yaml"], /--kubeconfig does-not-exist\.yaml: no such file/],
    [["up", "--no-provision"], /--no-provision needs --kubeconfig/],
    [["up", "--cluster", "minikube"], /--cluster minikube is unknown/],
    [["up", "--istio", "1.30,1.31"], /ssc up brings up one cell: --istio takes one value/],
    [["up", "--timeout", "istioReady=soon"], /not a positive duration/],
    [["up", "--timeout", "istioReady=0s"], /not a positive duration/],
    [["up", "--timeout", "bogus"], /use name=duration, e\.g\. istioReady=10m.*names: download/],
    [["down"], /needs --run-id <id> .* or --all/],
    [
      ["up", "--istio", "1.31", "--profile", "default", "--test", "AmbientWorkloadsHbone", "--dry-run"],
      /^ssc: the selection leaves no cell to run: istio-1\.31\.\d+-default\S*: no selected test applies/,
    ],
  ])("ssc %j", async (args, message) => {
    const r = await ssc(...args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("parses placements and named timeouts", () => {
    expect(placementFromOptions({ cluster: "k3s" })).toEqual({ provider: "k3s" });
    expect(() => placementFromOptions({ cluster: "k3s", kubeconfig: KUBECONFIG })).toThrow(UsageError);
    expect(placementFromOptions({ kubeconfig: KUBECONFIG, context: "c" })).toEqual({
      provider: "existing",
      kubeconfig: KUBECONFIG,
      context: "c",
    });
    const w = timeoutsFrom(["istioReady=10m", "workloadReady=90s", "download=1500ms", "targetsUp=60s"]);
    expect(w).toMatchObject({
      istioReady: 600_000,
      workloadReady: 90_000,
      download: 1_500,
      targetsUp: 60_000,
    });
    expect(() => timeoutsFrom(["nap=1s"])).toThrow(
      /unknown name "nap"; use name=duration.*names: download, clusterCreate/,
    );
  });
});

describe("--dry-run shows what runs", () => {
  it("a 1.22 cell: its total requests fit 2 CPUs, and its probe client is not the 1.22 proxy image", async () => {
    const r = await ssc("run", "--dry-run", "--istio", "1.22", "--run-id", "d22");
    expect(r.exitCode).toBe(0);
    const m = /^# requests: (\d+\.\d+) CPU, (\d+\.\d+) GiB \(kind's control plane included\)$/m.exec(
      r.stdout,
    );
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2);
    const { mkdtemp, readFile, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const out = await mkdtemp(join(tmpdir(), "ssc-render22-"));
    try {
      expect((await ssc("render", "--istio", "1.22", "--out", out)).exitCode).toBe(0);
      const prometheus = await readFile(join(out, "secure-prometheus", "manifest.yaml"), "utf8");
      expect(prometheus).toMatch(/image: docker\.io\/curlimages\/curl:7\.88\.1@sha256:[0-9a-f]{64}/);
      expect(prometheus).not.toMatch(/image: \S*proxyv2/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("with --mirror, shows the mirror's URLs for the tools and remote manifests, as the run fetches them", async () => {
    const plain = await ssc("run", "--dry-run", "--istio", "1.31", "--run-id", "dm0");
    const r = await ssc(
      "run",
      "--dry-run",
      "--istio",
      "1.31",
      "--run-id",
      "dm1",
      "--mirror",
      "https://m.example/gh/",
    );
    expect(r.exitCode).toBe(0);
    // The same remote manifests either way, each from the mirror when one is given.
    const remote = (out: string) => out.match(/-f https:\/\/\S+/g) ?? [];
    expect(remote(plain.stdout).length).toBeGreaterThanOrEqual(2);
    expect(remote(r.stdout)).toEqual(
      remote(plain.stdout).map((u) => u.replace("https://github.com/", "https://m.example/gh/")),
    );
    expect(r.stdout).not.toContain("github.com");
    expect(r.stdout).toMatch(
      /fetch-tools: download kind v\S+ and istioctl 1\.31\.\d+ from --mirror https:\/\/m\.example\/gh\/ into the cache/,
    );
  });

  it("prints the server-side apply flags, istioctl's readiness timeout and kind's wait as they will run", async () => {
    const r = await ssc(
      "run",
      "--dry-run",
      "--istio",
      "1.31",
      "--test",
      "GatewayApiSecureMetrics",
      "--run-id",
      "flags",
      "--timeout",
      "istioReady=7m,clusterCreate=6m",
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /\$ kubectl --kubeconfig \S+ apply --server-side --field-manager=ssc --force-conflicts -f https:\/\/github\.com\/kubernetes-sigs\/gateway-api/,
    );
    expect(r.stdout).toMatch(/\$ istioctl install -y .* --readiness-timeout 7m$/m);
    expect(r.stdout).toMatch(/\$ kind create cluster .* --wait 5m$/m);
    expect(r.stdout).toMatch(/^# skipped tests:$/m);
    expect(r.stdout).toMatch(/^# {3}SidecarSecureListeners: not selected \(--test\)$/m);
  });
});

describe("dry runs say where the tools come from", () => {
  it("names --tools-dir for the tools it holds and a download only for the others", async () => {
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "ssc-toolsdir-"));
    try {
      await writeFile(join(dir, "istioctl"), "");
      const some = await ssc("run", "--dry-run", "--istio", "1.31", "--tools-dir", dir, "--run-id", "td");
      expect(some.stdout).toMatch(
        /fetch-tools: take istioctl 1\.31\.1 from --tools-dir \S+ .*; download kind v0\.32\.0 into the cache/,
      );
      await writeFile(join(dir, "kind-v0.32.0"), "");
      const all = await ssc("run", "--dry-run", "--istio", "1.31", "--tools-dir", dir, "--run-id", "td");
      expect(all.stdout).toMatch(/fetch-tools: take kind v0\.32\.0 and istioctl 1\.31\.1 from --tools-dir/);
      expect(all.stdout).not.toMatch(/into the cache/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("ssc doctor", () => {
  it("warns when a tool is missing and its download host cannot be reached, pointing at --tools-dir and --mirror", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const cache = await mkdtemp(join(tmpdir(), "ssc-doctor-"));
    try {
      const r = await execa(
        process.execPath,
        ["scripts/ssc.mjs", "doctor", "--format", "json", "--mirror", "http://127.0.0.1:9"],
        {
          reject: false,
          env: { XDG_CACHE_HOME: cache, PATH: "/usr/bin:/bin" },
        },
      );
      const { checks } = JSON.parse(r.stdout) as {
        checks: { id: string; status: string; detail: string; fix?: string }[];
      };
      const kind = checks.find((c) => c.id === "kind")!;
      expect(kind.status).toBe("warn");
      expect(kind.detail).toMatch(/download host http:\/\/127\.0\.0\.1:9\/ cannot be reached/);
      expect(kind.fix).toMatch(/--tools-dir.*--mirror/);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});

describe("ssc up --dry-run", () => {
  it("prints the full ordered sequence for 1.31 ambient and executes nothing", async () => {
    const r = await ssc("up", "--dry-run", "--istio", "1.31", "--profile", "ambient", "--run-id", "dry");
    expect(r.exitCode).toBe(0);
    const out = r.stdout;
    const order = [
      "preflight:",
      "fetch-tools: download kind v0.32.0 and istioctl 1.31.1",
      "$ kind create cluster --name ssc-1.31.1-ambient-k1.36-dry --config kind-config.yaml --image kindest/node:v1.36.1@sha256:3489c767",
      "gateway-api/releases/download/v1.6.0/standard-install.yaml",
      "$ istioctl install -y --kubeconfig",
      "wait-istio: watch istiod Available, istio-cni and ztunnel DaemonSets ready, istio-ingressgateway Available",
      "deploy-secure-prometheus",
      "$ kubectl --kubeconfig .ssc/runs/dry/istio-1.31.1-ambient-k8s-1.36/kubeconfig -n istio-system patch deployment istio-ingressgateway --type strategic",
      "deploy-ambient",
      "prometheus-operator/releases/download/v0.93.0/bundle.yaml",
      "deploy-probe-client",
    ];
    let at = 0;
    for (const piece of order) {
      const i = out.indexOf(piece, at);
      expect(i, piece).toBeGreaterThan(-1);
      at = i;
    }
    expect(out).not.toContain("run-tests");
    expect(out).not.toContain("delete cluster");
    expect((await execa("sh", ["-c", "ls .ssc/runs/dry 2>/dev/null | wc -l"])).stdout.trim()).toBe("0");
  });

  it("lists the tests that will not run in the cell and why, as plan does; run also lists impossible cells", async () => {
    const up = await ssc("up", "--dry-run", "--istio", "1.22", "--run-id", "dsk");
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toMatch(
      /^# skipped tests:\n# {3}SidecarSecureListeners: needs nativeSecurePorts \(Istio >=1\.31\.0-0\); this cell runs 1\.22\.8 \(legacy mode\)$/m,
    );
    const plan = await ssc("plan", "--istio", "1.22", "--run-id", "dsk");
    // Every test plan skips in that cell is listed, with plan's reason.
    const planSkips = [...plan.stdout.matchAll(/^\s+(\w+)\s+skip\s+/gm)].map((m) => m[1]);
    const upSkips = [...up.stdout.matchAll(/^# {3}(\w+): /gm)].map((m) => m[1]);
    expect(planSkips.length).toBeGreaterThan(0);
    expect(upSkips).toEqual(planSkips);
    const run = await ssc(
      "run",
      "--dry-run",
      "--istio",
      "1.22,1.31",
      "--profile",
      "ambient,default",
      "--run-id",
      "dsk",
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(
      /# skipped cells:\n# {3}istio-1\.22\.8-ambient-k8s-1\.30: profile ambient needs Istio >= 1\.24 \(ambient GA\); 1\.22\.8 is older$/,
    );
  });

  it("on an existing cluster lists every object it would create, all owned by the run and removable by ssc down", async () => {
    const r = await ssc("run", "--dry-run", "--kubeconfig", KUBECONFIG, "--istio", "1.31", "--run-id", "byo");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      "# objects it would create (kind, namespace, name), each labelled app.kubernetes.io/managed-by=ssc,ssc.istio.io/run-id=byo; ssc down --run-id byo --kubeconfig <file> removes them:",
    );
    const listed = [...r.stdout.matchAll(/^# {3}(\w+) (\S+) (\S+)$/gm)].map((m) => ({
      kind: m[1]!,
      ns: m[2]!,
      name: m[3]!,
    }));
    expect(listed).toContainEqual({ kind: "Namespace", ns: "(cluster)", name: "ssc-prometheus" });
    expect(listed).toContainEqual({
      kind: "ClusterRole",
      ns: "(cluster)",
      name: "ssc-secure-prometheus-byo",
    });
    // ssc down removes Namespaces, ClusterRoles and ClusterRoleBindings by the run's labels: every
    // cluster-scoped object is one of those, and every namespaced one lives in a namespace it made.
    const made = new Set(listed.filter((o) => o.kind === "Namespace").map((o) => o.name));
    for (const o of listed) {
      if (o.ns === "(cluster)")
        expect(["Namespace", "ClusterRole", "ClusterRoleBinding"], `${o.kind} ${o.name}`).toContain(o.kind);
      else expect(made.has(o.ns), `${o.kind} ${o.ns}/${o.name}`).toBe(true);
    }
    // And each of them carries the owner labels in the manifests the run applies.
    const { planSelection } = await import("../plan/plan.ts");
    const { renderCell } = await import("../render/render-cell.ts");
    const { CONFORMANCE_TESTS } = await import("../../suites/catalog.ts");
    const [cell] = planSelection(
      {
        istio: ["1.31"],
        profiles: ["default"],
        runId: "byo",
        workDir: "/w",
        provider: "existing",
        kubeconfig: KUBECONFIG,
      },
      CONFORMANCE_TESTS,
    ).cells;
    const docs = renderCell(cell!, cell!.scenarios, "byo", "existing").scenarios.flatMap((x) => x.objects);
    expect(docs).toHaveLength(listed.length);
    for (const d of docs) {
      const o = d.toJS() as { kind: string; metadata: { name: string; labels?: Record<string, string> } };
      if (["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(o.kind))
        expect(o.metadata.labels, `${o.kind} ${o.metadata.name}`).toMatchObject({
          "app.kubernetes.io/managed-by": "ssc",
          "ssc.istio.io/run-id": "byo",
        });
    }
    // A cluster ssc makes is its own to remove: no list there.
    const kind = await ssc("run", "--dry-run", "--istio", "1.31", "--run-id", "kindobj");
    expect(kind.stdout).not.toContain("# objects it would create");
  });

  it("on an existing cluster prints no install and no patch", async () => {
    const r = await ssc("run", "--dry-run", "--kubeconfig", KUBECONFIG, "--istio", "1.31", "--run-id", "byo");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toMatch(/istioctl install|kind create|patch deployment/);
    expect(r.stdout).toMatch(
      /delete namespace,clusterrole,clusterrolebinding -l app\.kubernetes\.io\/managed-by=ssc,ssc\.istio\.io\/run-id=byo/,
    );
  });
});
