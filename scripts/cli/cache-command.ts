import { cacheSpecs, mirrorFlag, startCaches, stopCaches } from "../cluster/cache.ts";
import { UsageError } from "../errors.ts";
import { formatOf, list, type Options } from "./options.ts";

/** `ssc cache start|stop`: the registry caches every run can use through --registry-mirror. */
export async function cacheCommand(o: Options, positionals: readonly string[]): Promise<string> {
  const [verb, ...extra] = positionals;
  if ((verb !== "start" && verb !== "stop") || extra.length > 0) {
    throw new UsageError(
      `ssc cache takes start or stop (not "${positionals.join(" ")}"); see ssc cache --help`,
    );
  }
  const specs = cacheSpecs(list(o, "registry"));
  const signal = AbortSignal.timeout(10 * 60_000);
  const lines = verb === "start" ? await startCaches(specs, signal) : await stopCaches(specs, signal);
  const flag = mirrorFlag(specs);
  if (formatOf(o) === "json") {
    return JSON.stringify(
      { caches: specs.map((s) => ({ registry: s.registry, name: s.name, mirror: s.mirror })), flag },
      null,
      2,
    );
  }
  return verb === "start" ? [...lines, "", `use them: ssc run ${flag} ...`].join("\n") : lines.join("\n");
}
