import { rm } from "node:fs/promises";
import { istioctlArtifact, kindArtifact } from "../../catalog/artifacts.ts";
import { ensureTool } from "../../tools/download.ts";
import { cacheRoot, hostPlatform } from "../../tools/platform.ts";
import type { Handler, ToolUse } from "../context.ts";

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
  const record = (name: string, version: string, t: Awaited<ReturnType<typeof ensureTool>>): ToolUse => {
    if (!t.verified) {
      r.o.log(
        `warning: ${name} ${version} from --tools-dir (${t.path}) has no .sha256 beside it: UNVERIFIED`,
      );
    }
    return { version, sha256: t.sha256, verified: t.verified, source: t.source };
  };
  if (r.action.kind) {
    const v = r.action.kind;
    const kind = await ensureTool(
      { name: "kind", version: v, artifact: kindArtifact(v, os, arch), packaging: "binary" },
      common,
    );
    r.state.kind = kind.path;
    r.state.tools.kind = record("kind", v, kind);
  }
  const v = r.action.istioctl;
  const istioctl = await ensureTool(
    { name: "istioctl", version: v, artifact: istioctlArtifact(v, os, arch), packaging: "tar.gz" },
    common,
  );
  r.state.istioctl = istioctl.path;
  r.state.tools.istioctl = record("istioctl", v, istioctl);
};
