import { execa } from "execa";
import { describe, expect, it } from "vitest";

// The CLI as users run it: a real child process, real exit codes, real stderr.
const ssc = (...args: string[]) =>
  execa(process.execPath, ["scripts/ssc.mjs", ...args], { reject: false, env: { NO_COLOR: "1" } });

interface PlanJson {
  cells: {
    id: string;
    istioVersion: string;
    profile: string;
    kubernetesVersion: string;
    nodeImage: string;
    secureMetricsMode: string;
    steps: { id: string; description: string; command?: string }[];
    tests: { id: string; status: string; reason?: string }[];
  }[];
}

describe("ssc plan", () => {
  it("prints 4 cells for 1.30,1.31 x default,ambient with modes, Kubernetes and pinned images", async () => {
    const r = await ssc("plan", "--istio", "1.30,1.31", "--profile", "default,ambient", "--format", "json");
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(
      plan.cells.map((c) => `${c.istioVersion}/${c.profile}/${c.secureMetricsMode}/${c.kubernetesVersion}`),
    ).toEqual([
      "1.30.5/default/legacy/1.36.1",
      "1.30.5/ambient/legacy/1.36.1",
      "1.31.1/default/native/1.36.1",
      "1.31.1/ambient/native/1.36.1",
    ]);
    for (const c of plan.cells) {
      expect(c.nodeImage).toMatch(/^kindest\/node:v1\.36\.1@sha256:[0-9a-f]{64}$/);
      expect(c.steps[0]!.id).toBe("preflight");
      expect(c.steps.at(-1)!.id).toBe("delete-cluster");
      expect(c.tests.length).toBeGreaterThan(0);
      for (const t of c.tests) expect(["run", "pending", "skip"]).toContain(t.status);
    }
  });

  it("prints a human table by default", async () => {
    const r = await ssc("plan", "--istio", "1.22", "--run-id", "abc");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("cell istio-1.22.8-default-k8s-1.30");
    expect(r.stdout).toMatch(/HardenedPlaintextPortsLocalOnly\s+skip\s+needs metricsLocalhostAccessOnly/);
  });

  it("shows IPv6 and dual-stack cells as extended, beside the IPv4 one, within the same CPU budget", async () => {
    const r = await ssc("plan", "--istio", "1.31", "--ip-family", "ipv4,ipv6,dual", "--run-id", "fam");
    expect(r.exitCode, r.stderr).toBe(0);
    expect([...r.stdout.matchAll(/^cell (\S+)$/gm)].map((m) => m[1])).toEqual([
      "istio-1.31.1-default-k8s-1.36",
      "istio-1.31.1-default-k8s-1.36-ipv6",
      "istio-1.31.1-default-k8s-1.36-dual",
    ]);
    expect(r.stdout).toMatch(/^ {2}ip family ipv4$/m);
    expect(r.stdout).toMatch(/^ {2}ip family ipv6 \(extended cell: IPv6-only, opt-in with --ip-family\)$/m);
    expect(r.stdout).toMatch(/^ {2}ip family dual \(extended cell: dual-stack, opt-in with --ip-family\)$/m);
    const cpu = [...r.stdout.matchAll(/^ {2}requests (\d+\.\d+) CPU/gm)].map((m) => Number(m[1]));
    expect(cpu).toHaveLength(3);
    expect(cpu[2]).toBe(cpu[0]);
    // IPv6-only leaves Istio's sample out (its "$1:$2" rewrite is the IPv6 finding): its sidecar's 10m.
    expect(cpu[1]).toBeCloseTo(cpu[0]! - 0.01, 5);
    expect(cpu[0]).toBeLessThanOrEqual(2);
  });

  it("shows each cell's total requests, kind's control plane included, in the table and the JSON", async () => {
    const table = await ssc("plan", "--istio", "1.22,1.31", "--run-id", "req");
    const shown = [
      ...table.stdout.matchAll(
        /^ {2}requests (\d+\.\d+) CPU, (\d+\.\d+) GiB \(kind's control plane included\)$/gm,
      ),
    ];
    expect(shown).toHaveLength(2);
    const json = JSON.parse((await ssc("plan", "--istio", "1.22,1.31", "--format", "json")).stdout) as {
      cells: {
        id: string;
        requests: { total: { cpuMillis: number; memoryMiB: number }; parts: { name: string }[] };
      }[];
    };
    expect(json.cells).toHaveLength(2);
    for (const [i, c] of json.cells.entries()) {
      // The table's figures are the JSON's, and every cell fits a 2-vCPU / 7 GB runner.
      expect(Number(shown[i]![1])).toBeCloseTo(c.requests.total.cpuMillis / 1000, 2);
      expect(c.requests.total.cpuMillis).toBeLessThanOrEqual(2000);
      expect(c.requests.total.memoryMiB).toBeLessThanOrEqual(7 * 1024);
      expect(c.requests.parts.map((p) => p.name)).toContain("kube-apiserver");
    }
  });
});

describe("ssc plan at CI scale", () => {
  interface Matrix {
    include: { cell: string; name: string; istio: string; profile: string; k8s: string; unlisted: boolean }[];
  }

  it("plans every version and both profiles, the impossible combinations as skipped cells with why", async () => {
    const r = await ssc("plan", "--istio", "all", "--profile", "default,ambient", "--format", "json");
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson & { skippedCells: { id: string; reason: string }[] };
    expect(plan.cells).toHaveLength(18);
    expect(plan.skippedCells.map((c) => c.id)).toEqual([
      "istio-1.22.8-ambient-k8s-1.30",
      "istio-1.23.6-ambient-k8s-1.30",
    ]);
    const table = await ssc("plan", "--istio", "1.23..1.24", "--profile", "default,ambient");
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(
      /skipped cells \(combinations that cannot exist\)\n\n\s+CELL\s+REASON\n\s+istio-1\.23\.6-ambient-k8s-1\.30\s+profile ambient needs Istio >= 1\.24/,
    );
  });

  it("prints a GitHub Actions matrix whose every entry, fed back with --cell, plans exactly that cell", async () => {
    const r = await ssc(
      "plan",
      "--istio",
      "all",
      "--profile",
      "default,ambient",
      "--format",
      "github-matrix",
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\n")).toHaveLength(1);
    const matrix = JSON.parse(r.stdout) as Matrix;
    expect(matrix.include).toHaveLength(18);
    expect(matrix.include[0]).toEqual({
      cell: "istio-1.22.8-default-k8s-1.30",
      name: "1.22.8 default k8s 1.30.0",
      istio: "1.22.8",
      profile: "default",
      k8s: "1.30",
      ipFamily: "ipv4",
      enablement: "pod",
      nodeImage:
        "kindest/node:v1.30.0@sha256:047357ac0cfea04663786a612ba1eaba9702bef25227a794b52890dd8bcd692e",
      unlisted: false,
    });
    const { planFromOptions } = await import("./cli/plan-command.ts");
    for (const e of matrix.include) {
      const all = planFromOptions({ istio: ["all"], profile: ["default", "ambient"], cell: [e.cell] });
      const own = planFromOptions({ istio: [e.istio], profile: [e.profile], k8s: [e.k8s], cell: [e.cell] });
      expect(all.cells.map((c) => c.id)).toEqual([e.cell]);
      // Each shard still reports the selection's impossible combinations, so the merge has them.
      expect(all.impossible.map((c) => c.id)).toEqual([
        "istio-1.22.8-ambient-k8s-1.30",
        "istio-1.23.6-ambient-k8s-1.30",
      ]);
      expect(own.cells.map((c) => c.id)).toEqual([e.cell]);
    }
    const one = await ssc(
      "plan",
      "--istio",
      "1.31",
      "--cell",
      "istio-1.31.1-default-k8s-1.36",
      "--format",
      "json",
    );
    expect((JSON.parse(one.stdout) as PlanJson).cells.map((c) => c.id)).toEqual([
      "istio-1.31.1-default-k8s-1.36",
    ]);
  });

  it("ssc images lists each image once with its cells and source; mirrors change the source, not the node's", async () => {
    const r = await ssc(
      "images",
      "--istio",
      "1.30,1.31",
      "--profile",
      "default,ambient",
      "--format",
      "json",
      "--registry-mirror",
      "docker.io=ssc-cache-docker-io:5000",
    );
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as {
      cells: { id: string; images: string[] }[];
      images: { image: string; source: string; cells: string[] }[];
    };
    expect(out.cells).toHaveLength(4);
    const ztunnel = out.images.find((i) => i.image === "docker.io/istio/ztunnel:1.31.1")!;
    expect(ztunnel).toMatchObject({
      source: "mirror ssc-cache-docker-io:5000",
      cells: ["istio-1.31.1-ambient-k8s-1.36"],
    });
    expect(out.images.find((i) => i.image.startsWith("kindest/node:"))!.source).toBe(
      "host Docker (kind create)",
    );
    expect(out.images.find((i) => i.image.startsWith("quay.io/"))!.source).toBe("upstream");
    const table = await ssc("images", "--istio", "1.31");
    expect(table.stdout).toMatch(/^IMAGE\s+COMPONENT\s+PINNED\s+SOURCE\s+CELLS$/m);
    const bad = await ssc("images", "--registry-mirror", "docker.io");
    expect(bad.exitCode).toBe(2);
  });

  it("ssc plan shows which source each image comes from, and kind create taking the mirrors' config", async () => {
    const r = await ssc(
      "plan",
      "--istio",
      "1.31",
      "--registry-mirror",
      "docker.io=c:5000",
      "--run-id",
      "p",
      "--format",
      "json",
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const [cell] = (
      JSON.parse(r.stdout) as {
        cells: (PlanJson["cells"][number] & { images: { image: string; source: string }[] })[];
      }
    ).cells;
    expect(cell!.images).toEqual(
      expect.arrayContaining([
        { image: "docker.io/istio/pilot:1.31.1", component: "istiod", source: "mirror c:5000" },
        expect.objectContaining({
          image: "quay.io/prometheus-operator/prometheus-operator:v0.93.0",
          source: "upstream",
        }),
        expect.objectContaining({ component: "kind node", source: "host Docker (kind create)" }),
      ]),
    );
    expect(cell!.steps.find((s) => s.id === "create-cluster")!.command).toContain(
      "--config .ssc/runs/p/istio-1.31.1-default-k8s-1.36/kind-config.yaml",
    );
  });

  it("ssc run --cell runs exactly the named cells of the plan its other flags define", async () => {
    const r = await ssc(
      "run",
      "--istio",
      "all",
      "--profile",
      "default,ambient",
      "--cell",
      "istio-1.24.6-ambient-k8s-1.31,istio-1.30.5-default-k8s-1.36",
      "--run-id",
      "shard",
      "--dry-run",
    );
    expect(r.exitCode).toBe(0);
    expect([...r.stdout.matchAll(/^# cell (\S+)/gm)].map((m) => m[1])).toEqual([
      "istio-1.24.6-ambient-k8s-1.31",
      "istio-1.30.5-default-k8s-1.36",
    ]);
    expect(r.stdout).toContain("kind create cluster --name ssc-1.24.6-ambient-k1.31-shard");
  });

  it.each([
    [
      ["run", "--istio", "1.31", "--cell", "nope", "--dry-run"],
      /--cell nope: no such cell in this plan \(cells: istio-1\.31\.1-default-k8s-1\.36\)/,
    ],
    [
      ["plan", "--istio", "1.31", "--cell", "istio-1.31.1-ambient-k8s-1.36"],
      /--cell istio-1\.31\.1-ambient-k8s-1\.36: no such cell in this plan \(cells: istio-1\.31\.1-default-k8s-1\.36\)/,
    ],
    [
      ["plan", "--istio", "1.22,1.31", "--profile", "ambient", "--cell", "istio-1.22.8-ambient-k8s-1.30"],
      /no cell to run: istio-1\.22\.8-ambient-k8s-1\.30: profile ambient needs Istio >= 1\.24/,
    ],
    [["plan", "--istio", "1.23", "--profile", "ambient"], /no cell to run: .*ambient needs Istio >= 1\.24/],
    [
      ["plan", "--istio", "1.31", "--test", "AmbientWorkloadsHbone"],
      /no cell to run: .*no selected test applies/,
    ],
    [["plan", "--format", "yaml"], /--format yaml is unknown \(accepted: table, json, github-matrix\)/],
  ])("a selection with nothing to run is exit 2 with why: %j", async (args, message) => {
    const r = await ssc(...args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("ssc report merge (folders that real ssc runs wrote; no Docker, so each ends in an infrastructure error)", () => {
  it("joins the shards of a github-matrix losslessly, JUnit included, and refuses a cell twice without --prefer newest", async () => {
    const { mkdtemp, readFile, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { parseJunit } = await import("./report/junit.ts");
    const root = await mkdtemp(join(tmpdir(), "ssc-merge-"));
    const noDocker = { NO_COLOR: "1", DOCKER_HOST: "unix:///nonexistent/ssc-test.sock" };
    const sel = ["--istio", "1.30..1.31", "--profile", "default,ambient"];
    try {
      const matrix = JSON.parse((await ssc("plan", ...sel, "--format", "github-matrix")).stdout) as {
        include: { cell: string }[];
      };
      const shards = await Promise.all(
        matrix.include.map(async ({ cell }, i) => {
          const dir = join(root, `shard-${i}`);
          const r = await execa(
            process.execPath,
            [
              "scripts/ssc.mjs",
              "run",
              ...sel,
              "--cell",
              cell,
              "--report-dir",
              dir,
              "--work-dir",
              join(root, "w"),
            ],
            { reject: false, env: noDocker },
          );
          expect(r.exitCode, r.stderr).toBe(3);
          return dir;
        }),
      );
      const out = join(root, "merged");
      const m = await ssc("report", "merge", ...shards, "--out", out);
      expect(m.exitCode, m.stderr).toBe(3);
      const results = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as {
        cells: { id: string; tests: { id: string; status: string }[] }[];
        merged: { command: string }[];
      };
      expect(results.cells.map((c) => c.id).sort()).toEqual(matrix.include.map((e) => e.cell).sort());
      expect(results.merged.map((x) => x.command)).toHaveLength(4);
      const junit = parseJunit(await readFile(join(out, "junit.xml"), "utf8"));
      for (const c of results.cells) {
        const suite = junit.find((s) => s.name === c.id)!;
        expect(suite.cases.map((x) => x.name)).toEqual(c.tests.map((x) => x.id));
        expect(suite.cases.filter((x) => x.outcome?.kind === "error")).toHaveLength(
          c.tests.filter((x) => x.status === "errored").length,
        );
      }
      expect(await readFile(join(out, "summary.md"), "utf8")).toContain("from 4 report folder(s)");
      const twice = await ssc("report", "merge", shards[0]!, shards[0]!, "--out", join(root, "twice"));
      expect(twice.exitCode).toBe(2);
      expect(twice.stderr).toMatch(/is present twice; .*--prefer newest/);
      const newest = await ssc(
        "report",
        "merge",
        shards[0]!,
        shards[0]!,
        "--out",
        join(root, "n"),
        "--prefer",
        "newest",
      );
      expect(newest.exitCode).toBe(3);
      for (const [args, message] of [
        [["report", "merge", root, "--out", join(root, "x")], /is not a report folder \(no results\.json\)/],
        [["report", "merge", shards[0]!], /needs --out <dir>/],
        [["report", "join", shards[0]!, "--out", join(root, "x")], /ssc report takes merge <dir>\.\.\./],
        [
          ["report", "merge", shards[0]!, "--out", join(root, "x"), "--prefer", "oldest"],
          /--prefer oldest is unknown/,
        ],
      ] as const) {
        const r = await ssc(...args);
        expect(r.exitCode, args.join(" ")).toBe(2);
        expect(r.stderr).toMatch(message);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("bad input: exit 2 and one line on stderr naming the value", () => {
  it.each([
    [["plan", "--istio", "1.99"], /1\.99/],
    [["plan", "--istio", "1.21"], /older than 1\.22/],
    [["plan", "--istio", "1.23", "--profile", "ambient"], /ambient needs Istio >= 1\.24/],
    [
      ["plan", "--istio", "1.31", "--k8s", "1.29"],
      /Kubernetes 1\.29 is outside Istio 1\.31.*--allow-unsupported-k8s/,
    ],
    [["plan", "--profile", "sidecar"], /profile "sidecar" is unknown/],
    [["plan", "--ip-family", "ipv5"], /--ip-family "ipv5" is unknown \(accepted: ipv4, ipv6, dual\)/],
    [["run", "--ip-family", "ipv6", "--cluster", "k3s", "--dry-run"], /k3s provider runs IPv4 clusters only/],
    [["plan", "--options-file", "does-not-exist.yaml"], /does-not-exist\.yaml: cannot read it/],
    [["plan", "--bogus"], /unknown flag --bogus for ssc plan/],
    [["plan", "--test", "NoSuchTest"], /unknown test id NoSuchTest/],
    [["plan", "--format", "xml"], /--format xml is unknown/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ])("ssc %j", async (args, message) => {
    const r = await ssc(...args);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe("ssc list and help", () => {
  it("lists every catalog id with gates, and claims no implementation that is missing", async () => {
    const r = await ssc("list", "--format", "json");
    expect(r.exitCode).toBe(0);
    const { tests } = JSON.parse(r.stdout) as {
      tests: { id: string; implemented: boolean; modes: string[] }[];
    };
    expect(tests.map((t) => t.id)).toContain("SidecarSecureScrapeMtls");
    const { CONFORMANCE_TESTS } = await import("../suites/catalog.ts");
    expect(tests.map((t) => t.id)).toEqual(CONFORMANCE_TESTS.map((t) => t.id));
    expect(tests.length).toBeGreaterThanOrEqual(24);
    // Every catalog test has a body today; a record without one says so (see the unit test below).
    expect(tests.every((t) => t.implemented)).toBe(true);
    const { listJson } = await import("./cli/list-command.ts");
    const { defineConformanceTest } = await import("./registry/define.ts");
    const bodiless = defineConformanceTest({
      id: "NoBody",
      description: "d",
      seed: "beyond",
      features: ["SidecarSecureMetrics"],
      scenarios: { native: ["httpbin-native"] },
    });
    expect((listJson([bodiless]) as { tests: { implemented: boolean }[] }).tests[0]!.implemented).toBe(false);
    // The one slow test is marked so, opt-in, in both forms; no other test is slow.
    const slow = (tests as unknown as { id: string; slow: boolean; support: string }[]).filter((t) => t.slow);
    expect(slow.map((t) => [t.id, t.support])).toEqual([["CertificateRotationContinuity", "extended"]]);
    const { describeGates } = await import("./cli/list-command.ts");
    const rotation = CONFORMANCE_TESTS.find((t) => t.id === "CertificateRotationContinuity")!;
    expect(describeGates(rotation)).toEqual(["mode native only", "slow: opt in (--include-slow or --test)"]);
    expect(bodiless.slow).toBe(false);
  });

  it("answers --help, -h and help <command> on every command with exit 0, listing only its exit codes", async () => {
    const { COMMANDS } = await import("./cli.ts");
    expect(Object.keys(COMMANDS).length).toBeGreaterThanOrEqual(12);
    for (const cmd of Object.keys(COMMANDS)) {
      const viaFlag = await ssc(cmd, "--help");
      expect(viaFlag.exitCode, cmd).toBe(0);
      expect(viaFlag.stdout).toContain(`usage: ssc ${cmd}`);
      expect((await ssc(cmd, "-h")).stdout).toBe(viaFlag.stdout);
      expect((await ssc("help", cmd)).stdout).toBe(viaFlag.stdout);
      const codes = [...viaFlag.stdout.split("exit codes:")[1]!.matchAll(/^ {2}(\d+) /gm)].map((m) =>
        Number(m[1]),
      );
      expect(codes, cmd).toEqual(COMMANDS[cmd]!.exits.codes);
    }
    for (const cmd of ["list", "render", "down", "plan", "doctor"]) {
      const help = (await ssc(cmd, "--help")).stdout;
      expect(help, cmd).not.toMatch(/every selected test passed|conformance failure/);
    }
    expect((await ssc("run", "--help")).stdout).toMatch(/^ {2}1 {4}a conformance failure/m);
  }, 30_000);

  it("prints the version, the overview, and refuses unknown help topics", async () => {
    const { SUITE_VERSION } = await import("./version.ts");
    for (const flag of ["--version", "-V"]) {
      const r = await ssc(flag);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(`ssc ${SUITE_VERSION}`);
    }
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const r = await ssc(...args);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^usage: ssc <command> \[flags\]/);
    }
    const bare = await ssc();
    expect(bare.exitCode).toBe(2);
    expect(bare.stdout).toMatch(/`ssc` alone prints this help and exits 2/);
    const unknown = await ssc("help", "frobnicate");
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^ssc: ssc help takes one command \(run, up, down/);
  });

  it("the README shows every command's usage exactly as --help prints it, every flag included", async () => {
    const { readFile } = await import("node:fs/promises");
    const { COMMANDS, commandUsage } = await import("./cli.ts");
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    expect(Object.keys(COMMANDS).length).toBeGreaterThanOrEqual(12);
    for (const cmd of Object.keys(COMMANDS)) {
      expect(readme, cmd).toContain(`${commandUsage(cmd)}\n`);
      for (const f of COMMANDS[cmd]!.flags.filter((x) => x.name !== "help")) {
        expect(commandUsage(cmd), `${cmd} --${f.name}`).toContain(`[--${f.name}`);
      }
    }
  });
});

describe("ssc render", () => {
  it("writes the scenario folders of 1.31 default, 1.30 default and 1.31 ambient", async () => {
    const { mkdtemp, readdir, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const out = await mkdtemp(join(tmpdir(), "ssc-render-"));
    try {
      const folders = async (istio: string, profile: string) => {
        const dir = join(out, `${istio}-${profile}`);
        const r = await ssc("render", "--istio", istio, "--profile", profile, "--out", dir);
        expect(r.exitCode).toBe(0);
        return (await readdir(dir)).sort();
      };
      const native = await folders("1.31", "default");
      expect(native).toContain("httpbin-native");
      expect(native).toContain("gateway-api-native");
      expect(native).not.toContain("legacy-sidecar");
      const legacy = await folders("1.30", "default");
      expect(legacy).toContain("legacy-sidecar");
      expect(legacy).not.toContain("httpbin-native");
      expect(await folders("1.31", "ambient")).toContain("ambient");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("needs --out and rejects bad input like plan", async () => {
    const r = await ssc("render", "--istio", "1.31");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/needs --out/);
    expect((await ssc("render", "--istio", "1.23", "--profile", "ambient", "--out", "x")).exitCode).toBe(2);
  });
});
