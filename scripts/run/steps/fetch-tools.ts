import { rm } from "node:fs/promises";
import { istioctlArtifact, kindArtifact } from "../../catalog/artifacts.ts";
import { ensureTool, type ToolSpec } from "../../tools/download.ts";
import { cacheRoot, hostPlatform } from "../../tools/platform.ts";
import type { Handler } from "../context.ts";

/** kind and istioctl into the cache, SHA-256 verified; a --tools-dir binary without a checksum is
 * used but marked unverified, in the log and in the report. */
export const fetchTools: Handler<"fetch-tools"> = async (r) => {
  const { os, arch } = hostPlatform();
  const common = {
    cacheDir: cacheRoot(),
    toolsDir: r.o.toolsDir,
    mirror: r.o.mirror,
    downloadTimeoutMs: r.o.timeouts.download,
    signal: r.o.signal,
    log: r.o.log,
    onPartial: (p: string) => r.t.add(`partial download ${p}`, () => rm(p, { force: true }), false),
  };
  const use = async (spec: ToolSpec) => {
    const t = await ensureTool(spec, common);
    if (!t.verified) {
      r.o.log(
        `warning: ${spec.name} ${spec.version} from --tools-dir (${t.path}) has no .sha256 beside it: UNVERIFIED`,
      );
    }
    r.state[spec.name] = t.path;
    r.state.tools[spec.name] = {
      version: spec.version,
      sha256: t.sha256,
      verified: t.verified,
      source: t.source,
    };
  };
  const { kind, istioctl } = r.action;
  if (kind)
    await use({ name: "kind", version: kind, artifact: kindArtifact(kind, os, arch), packaging: "binary" });
  await use({
    name: "istioctl",
    version: istioctl,
    artifact: istioctlArtifact(istioctl, os, arch),
    packaging: "tar.gz",
  });
};
