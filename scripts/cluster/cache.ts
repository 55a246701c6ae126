import { InfrastructureError, UsageError } from "../errors.ts";
import { HOST, type RegistryMirror, upstreamOf } from "./mirrors.ts";
import { requireDocker } from "./preflight.ts";

// `ssc cache start|stop`: one pull-through cache per upstream registry (a registry:2 proxy mirrors
// exactly one), long-lived on the user's Docker, shared by every cell and run. They sit on kind's
// own Docker network under stable names, so every kind node reaches them as <name>:5000, and their
// storage is a named volume that outlives them. testcontainers starts them; they are opted out of
// its reaper (auto cleanup off), which would otherwise remove them when the command exits.

/** Registries the suite's images come from (ssc images); ghcr.io is there for user fixtures. */
export const DEFAULT_CACHED_REGISTRIES = ["docker.io", "quay.io", "gcr.io", "ghcr.io"] as const;

/** The Distribution registry in proxy mode. Pinned by tag: no digest could be verified offline. */
export const REGISTRY_IMAGE = "docker.io/library/registry:2.8.3";
/** kind's Docker network: kind creates its nodes there and uses it as is when it already exists. */
export const KIND_NETWORK = "kind";
export const CACHE_LABEL = "io.secure-scrape.cache";
const PORT = 5000;
const ANY_STATUS = ["created", "restarting", "running", "removing", "paused", "exited", "dead"] as const;

export interface CacheSpec {
  registry: string;
  /** Container, network alias and volume name: ssc-cache-docker-io. */
  name: string;
  image: string;
  environment: Record<string, string>;
  volume: string;
  labels: Record<string, string>;
  /** What --registry-mirror gets: the name kind nodes resolve on the kind network. */
  mirror: RegistryMirror;
}

export function cacheSpecs(registries: readonly string[] = DEFAULT_CACHED_REGISTRIES): CacheSpec[] {
  return [...new Set(registries)].map((registry) => {
    if (!HOST.test(registry))
      throw new UsageError(`--registry ${registry}: not a registry host (e.g. quay.io)`);
    const name = `ssc-cache-${registry.replace(/[.:]/g, "-")}`;
    return {
      registry,
      name,
      image: REGISTRY_IMAGE,
      environment: {
        REGISTRY_PROXY_REMOTEURL: upstreamOf(registry),
        REGISTRY_STORAGE_DELETE_ENABLED: "true",
      },
      volume: name,
      labels: { [CACHE_LABEL]: registry },
      mirror: { registry, endpoint: `${name}:${PORT}` },
    };
  });
}

/** The flag a run passes to use these caches. */
export function mirrorFlag(specs: readonly CacheSpec[]): string {
  return `--registry-mirror ${specs.map((s) => `${s.mirror.registry}=${s.mirror.endpoint}`).join(",")}`;
}

/** Starts (or finds running: testcontainers' reuse) every cache; one line per cache. */
export async function startCaches(specs: readonly CacheSpec[], signal: AbortSignal): Promise<string[]> {
  await requireDocker(signal);
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import("testcontainers");
  const client = await getContainerRuntimeClient();
  const network = await client.network
    .getById(KIND_NETWORK)
    .inspect()
    .catch(() => undefined);
  if (!network) await client.network.create({ Name: KIND_NETWORK, Driver: "bridge" });
  const lines: string[] = [];
  for (const s of specs) {
    try {
      const c = await new GenericContainer(s.image)
        .withName(s.name)
        .withLabels(s.labels)
        .withEnvironment(s.environment)
        .withNetworkMode(KIND_NETWORK)
        .withNetworkAliases(s.name)
        // A named volume (not a host path): the cache survives stop and start.
        .withBindMounts([{ source: s.volume, target: "/var/lib/registry", mode: "rw" }])
        .withAutoCleanup(false)
        .withReuse()
        // No port published on the host (an open pull-through proxy there would serve anyone who
        // can reach it): kind nodes reach it on the kind network; ready when it says it listens.
        .withWaitStrategy(Wait.forLogMessage(/listening on/))
        .start();
      lines.push(`${s.registry}: ${s.name} (${c.getId().slice(0, 12)}) mirrors ${upstreamOf(s.registry)}`);
    } catch (e) {
      throw new InfrastructureError(
        `cache ${s.name} for ${s.registry} did not start: ${(e as Error).message}`,
      );
    }
  }
  return lines;
}

/** Stops and removes the cache containers ssc started (by label), nothing else. */
export async function stopCaches(specs: readonly CacheSpec[], signal: AbortSignal): Promise<string[]> {
  await requireDocker(signal);
  const { getContainerRuntimeClient } = await import("testcontainers");
  const client = await getContainerRuntimeClient();
  const lines: string[] = [];
  for (const s of specs) {
    // Stopped ones too (after a reboot): else a later start would collide with the name.
    const found = await client.container.fetchByLabel(CACHE_LABEL, s.registry, { status: [...ANY_STATUS] });
    if (!found) {
      lines.push(`${s.registry}: no cache container`);
      continue;
    }
    await client.container.stop(found).catch(() => undefined);
    await client.container.remove(found);
    lines.push(`${s.registry}: removed ${s.name}`);
  }
  return lines;
}
