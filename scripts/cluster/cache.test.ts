import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { cacheSpecs, DEFAULT_CACHED_REGISTRIES, KIND_NETWORK, mirrorFlag } from "./cache.ts";
import { hostsToml, parseMirrors } from "./mirrors.ts";

// The caches need Docker, which these machines lack: what they are given is tested here, and the
// flag they print goes through the same parser and containerd configuration a run uses.
describe("ssc cache", () => {
  it("gives each upstream its own registry:2 proxy, named for kind's network, with its own volume", () => {
    const specs = cacheSpecs();
    expect(specs.map((s) => s.registry)).toEqual([...DEFAULT_CACHED_REGISTRIES]);
    expect(specs[0]).toEqual({
      registry: "docker.io",
      name: "ssc-cache-docker-io",
      image: "docker.io/library/registry:2.8.3",
      environment: {
        REGISTRY_PROXY_REMOTEURL: "https://registry-1.docker.io",
        REGISTRY_STORAGE_DELETE_ENABLED: "true",
      },
      volume: "ssc-cache-docker-io",
      labels: { "io.secure-scrape.cache": "docker.io" },
      mirror: { registry: "docker.io", endpoint: "ssc-cache-docker-io:5000" },
    });
    expect(specs.map((s) => s.environment.REGISTRY_PROXY_REMOTEURL)).toEqual([
      "https://registry-1.docker.io",
      "https://quay.io",
      "https://gcr.io",
      "https://ghcr.io",
    ]);
    expect(KIND_NETWORK).toBe("kind");
    expect(() => cacheSpecs(["Not A Host"])).toThrow(/not a registry host/);
    // One host rule with --registry-mirror: what cache accepts, a run accepts.
    expect(() => cacheSpecs(["my-.reg.io"])).toThrow(/not a registry host/);
    expect(() => parseMirrors(["my-.reg.io=c:5000"])).toThrow(/use <registry>=<host:port>/);
  });

  it("prints the --registry-mirror flag a run parses into one hosts.toml per registry", () => {
    const flag = mirrorFlag(cacheSpecs(["docker.io", "quay.io"]));
    expect(flag).toBe("--registry-mirror docker.io=ssc-cache-docker-io:5000,quay.io=ssc-cache-quay-io:5000");
    const mirrors = parseMirrors(flag.split(" ")[1]!.split(","));
    expect(hostsToml(mirrors[1]!)).toContain('[host."http://ssc-cache-quay-io:5000"]');
  });

  it("asks Docker first: without it, exit 3 and the one Docker message; a wrong verb is exit 2", async () => {
    const ssc = (...a: string[]) =>
      execa(process.execPath, ["scripts/ssc.mjs", "cache", ...a], {
        reject: false,
        env: { NO_COLOR: "1", DOCKER_HOST: "unix:///nonexistent/ssc-test.sock" },
      });
    const start = await ssc("start");
    expect(start.exitCode).toBe(3);
    expect(start.stderr).toMatch(/^ssc: Docker is not reachable/);
    const verb = await ssc("restart");
    expect(verb.exitCode).toBe(2);
    expect(verb.stderr).toMatch(/ssc cache takes start or stop/);
  }, 30_000);
});
