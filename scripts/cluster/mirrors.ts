import { UsageError } from "../errors.ts";

// Pull-through caches for the kind nodes' containerd: `--registry-mirror docker.io=host:port`.
// containerd reads one hosts.toml per upstream registry from its config_path (containerd's
// docs/hosts.md; the inline registry.mirrors form is deprecated and gone in containerd 2). kind sets
// config_path with a containerdConfigPatches entry and mounts each hosts.toml into the node with
// extraMounts, so the node uses the mirror from its first pull, with no step after `kind create`.
// A registry:2 proxy mirrors exactly one upstream, so each registry gets its own mirror.

export interface RegistryMirror {
  /** The upstream registry host as images name it: docker.io, quay.io, gcr.io, ghcr.io... */
  registry: string;
  /** host:port the kind node reaches the mirror at (plain HTTP, as a registry:2 proxy serves). */
  endpoint: string;
}

/** A registry or mirror host, with an optional port: what --registry-mirror and ssc cache accept. */
export const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;

/** Parses `registry=host:port` items; anything else is bad input naming the item. */
export function parseMirrors(items: readonly string[]): RegistryMirror[] {
  const mirrors = items.map((item) => {
    const m = /^([^=]+)=(.+)$/.exec(item.trim());
    const [registry, endpoint] = m ? [m[1]!.trim(), m[2]!.trim().replace(/^http:\/\//, "")] : [];
    if (!registry || !endpoint || !HOST.test(registry) || !HOST.test(endpoint) || !endpoint.includes(":")) {
      throw new UsageError(
        `--registry-mirror ${item}: use <registry>=<host:port>, e.g. docker.io=ssc-cache-docker-io:5000 (ssc cache start prints them)`,
      );
    }
    return { registry, endpoint };
  });
  const seen = new Set<string>();
  for (const m of mirrors) {
    if (seen.has(m.registry))
      throw new UsageError(`--registry-mirror: ${m.registry} is given twice; one mirror per registry`);
    seen.add(m.registry);
  }
  return mirrors;
}

/** Where containerd reads its per-registry configuration inside the node. */
export const CERTS_D = "/etc/containerd/certs.d";

/** The upstream a registry's pulls fall back to when the mirror cannot answer. */
export const upstreamOf = (registry: string) =>
  registry === "docker.io" ? "https://registry-1.docker.io" : `https://${registry}`;

/** containerd's hosts.toml for one registry: the mirror first, the upstream as the fallback. */
export function hostsToml(m: RegistryMirror): string {
  return [
    `# written by ssc: pulls of ${m.registry} go to the mirror first`,
    `server = "${upstreamOf(m.registry)}"`,
    "",
    `[host."http://${m.endpoint}"]`,
    `  capabilities = ["pull", "resolve"]`,
    "",
  ].join("\n");
}

/** The kind config's additions for the mirrors: the containerd patch, and the folder holding one
 * `<registry>/hosts.toml` per mirror mounted whole at containerd's config_path (one mount: kind
 * splits mount specs on ":", which a registry with a port, localhost:5000, has in its folder name). */
export function kindMirrorConfig(mirrors: readonly RegistryMirror[], hostDir: string) {
  if (mirrors.length === 0) return undefined;
  return {
    containerdConfigPatches: [`[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${CERTS_D}"`],
    extraMounts: [{ hostPath: hostDir, containerPath: CERTS_D, readOnly: true }],
  };
}

/** Where an image is pulled from under these mirrors: "mirror host:port" or "upstream". */
export function sourceOf(registry: string, mirrors: readonly RegistryMirror[]): string {
  const m = mirrors.find((x) => x.registry === registry);
  return m ? `mirror ${m.endpoint}` : "upstream";
}
