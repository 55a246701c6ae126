import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { UsageError } from "../errors.ts";
import { buildPlan } from "../plan/plan.ts";
import { writeCellKindConfig } from "../run/steps/kind-create.ts";
import { CERTS_D, hostsToml, kindMirrorConfig, parseMirrors, sourceOf, upstreamOf } from "./mirrors.ts";

describe("--registry-mirror", () => {
  it("reads registry=host:port, one mirror per registry", () => {
    expect(parseMirrors(["docker.io=ssc-cache-docker-io:5000", "quay.io=http://10.0.0.5:5001"])).toEqual([
      { registry: "docker.io", endpoint: "ssc-cache-docker-io:5000" },
      { registry: "quay.io", endpoint: "10.0.0.5:5001" },
    ]);
    expect(parseMirrors([])).toEqual([]);
  });

  it.each([
    [["docker.io"], /use <registry>=<host:port>/],
    [["docker.io=cache"], /use <registry>=<host:port>/],
    [["=cache:5000"], /use <registry>=<host:port>/],
    [["Docker.IO=cache:5000"], /use <registry>=<host:port>/],
    [["docker.io=a:1", "docker.io=b:2"], /docker\.io is given twice/],
  ])("refuses %j", (items, message) => {
    expect(() => parseMirrors(items)).toThrow(UsageError);
    expect(() => parseMirrors(items)).toThrow(message);
  });

  it("writes containerd's hosts.toml: the mirror first, the upstream as the fallback server", () => {
    expect(hostsToml({ registry: "docker.io", endpoint: "ssc-cache-docker-io:5000" })).toBe(
      [
        "# written by ssc: pulls of docker.io go to the mirror first",
        'server = "https://registry-1.docker.io"',
        "",
        '[host."http://ssc-cache-docker-io:5000"]',
        '  capabilities = ["pull", "resolve"]',
        "",
      ].join("\n"),
    );
    expect(upstreamOf("ghcr.io")).toBe("https://ghcr.io");
    expect(sourceOf("quay.io", [{ registry: "quay.io", endpoint: "q:5000" }])).toBe("mirror q:5000");
    expect(sourceOf("gcr.io", [{ registry: "quay.io", endpoint: "q:5000" }])).toBe("upstream");
    expect(kindMirrorConfig([], "/x")).toBeUndefined();
  });

  it("gives the cell its own kind config: the base, containerd's config_path patch, one mount of the hosts folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ssc-mirrors-"));
    try {
      const config = join(dir, "kind-config.yaml");
      const mirrors = parseMirrors(["docker.io=ssc-cache-docker-io:5000", "quay.io=ssc-cache-quay-io:5000"]);
      await writeCellKindConfig(config, mirrors);
      const doc = parse(await readFile(config, "utf8")) as {
        kind: string;
        networking: { ipFamily: string };
        containerdConfigPatches: string[];
        nodes: { role: string; extraMounts: { hostPath: string; containerPath: string }[] }[];
      };
      expect(doc.kind).toBe("Cluster");
      expect(doc.networking.ipFamily).toBe("ipv4");
      expect(doc.containerdConfigPatches).toEqual([
        `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${CERTS_D}"`,
      ]);
      const [mount, ...others] = doc.nodes[0]!.extraMounts;
      expect(others).toEqual([]);
      expect(mount!.containerPath).toBe(CERTS_D);
      expect(isAbsolute(mount!.hostPath)).toBe(true);
      for (const m of mirrors) {
        expect(await readFile(join(mount!.hostPath, m.registry, "hosts.toml"), "utf8")).toBe(hostsToml(m));
      }
      // No mount spec may carry a ":" of its own (kind splits on it): a registry with a port.
      await writeCellKindConfig(config, parseMirrors(["localhost:5000=cache:5001"]));
      const withPort = parse(await readFile(config, "utf8")) as typeof doc;
      expect(withPort.nodes[0]!.extraMounts.every((x) => !x.hostPath.includes(":"))).toBe(true);
      expect(
        await readFile(
          join(withPort.nodes[0]!.extraMounts[0]!.hostPath, "localhost:5000", "hosts.toml"),
          "utf8",
        ),
      ).toContain('server = "https://localhost:5000"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives an IPv6 or dual-stack cell its own kind config: the base with networking.ipFamily, no mirror patch", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ssc-family-"));
    try {
      for (const family of ["ipv6", "dual"] as const) {
        const config = join(dir, family, "kind-config.yaml");
        await writeCellKindConfig(config, [], family);
        const doc = parse(await readFile(config, "utf8")) as Record<string, unknown> & {
          networking: { ipFamily: string };
          nodes: { role: string; extraMounts?: unknown[] }[];
        };
        expect(doc.networking.ipFamily).toBe(family);
        expect(doc.containerdConfigPatches).toBeUndefined();
        expect(doc.nodes).toEqual([{ role: "control-plane" }]);
        expect(await readFile(config, "utf8")).toMatch(`with --ip-family ${family}\n`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shows in the plan: an IPv6 cell's own config in kind create, its id and cluster name marked", () => {
    const [cell] = buildPlan(
      { istio: ["1.31"], profiles: ["default"], ipFamilies: ["ipv6"], runId: "m", workDir: "w" },
      CONFORMANCE_TESTS,
    );
    expect(cell!.id).toBe("istio-1.31.1-default-k8s-1.36-ipv6");
    const create = cell!.steps.find((s) => s.id === "create-cluster")!;
    expect(create.argv).toContain("w/istio-1.31.1-default-k8s-1.36-ipv6/kind-config.yaml");
    expect(create.argv).toContain("ssc-1.31.1-default-k1.36-ipv6-m");
    expect(create.action).toMatchObject({
      ipFamily: "ipv6",
      config: "w/istio-1.31.1-default-k8s-1.36-ipv6/kind-config.yaml",
    });
    expect(create.action).not.toHaveProperty("mirrors");
    expect(create.description).toContain("IPv6-only (networking.ipFamily ipv6)");
    const render = cell!.steps.find((s) => s.id === "render-manifests")!;
    expect(render.argv!.join(" ")).toContain("--ip-family ipv6");
  });

  it("shows in the plan: the cell's own config in kind create, and which registry goes where", () => {
    const [cell] = buildPlan(
      {
        istio: ["1.31"],
        profiles: ["default"],
        runId: "m",
        workDir: "w",
        registryMirrors: [{ registry: "docker.io", endpoint: "c:5000" }],
      },
      CONFORMANCE_TESTS,
    );
    const create = cell!.steps.find((s) => s.id === "create-cluster")!;
    expect(create.argv).toContain("w/istio-1.31.1-default-k8s-1.36/kind-config.yaml");
    expect(create.description).toMatch(/containerd pulls docker\.io through c:5000/);
    expect(create.action).toMatchObject({ config: "w/istio-1.31.1-default-k8s-1.36/kind-config.yaml" });
    const [plain] = buildPlan(
      { istio: ["1.31"], profiles: ["default"], runId: "m", workDir: "w" },
      CONFORMANCE_TESTS,
    );
    expect(plain!.steps.find((s) => s.id === "create-cluster")!.argv).toContain("kind-config.yaml");
  });
});
