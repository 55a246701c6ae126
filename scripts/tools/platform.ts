import { homedir } from "node:os";
import { join } from "node:path";
import type { Arch, Os } from "../catalog/artifacts.ts";
import { UsageError } from "../errors.ts";

/** The artifact flavour for this machine (Istio says osx, kind says darwin; see artifacts.ts). */
export function hostPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): { os: Os; arch: Arch } {
  const os = platform === "linux" ? "linux" : platform === "darwin" ? "osx" : undefined;
  const a = arch === "x64" ? "amd64" : arch === "arm64" ? "arm64" : undefined;
  if (!os || !a)
    throw new UsageError(
      `no kind/istioctl builds for ${platform}/${arch}; supported: linux|darwin x x64|arm64`,
    );
  return { os, arch: a };
}

/** $XDG_CACHE_HOME/ssc, or ~/.cache/ssc. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "ssc");
}
