import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFORMANCE_TESTS } from "../../suites/catalog.ts";
import { UsageError } from "../errors.ts";
import { buildPlan } from "../plan/plan.ts";
import { writeMirrorConfig } from "../run/steps/kind-create.ts";
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
      await writeMirrorConfig(config, mirrors);
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
      await writeMirrorConfig(config, parseMirrors(["localhost:5000=cache:5001"]));
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
