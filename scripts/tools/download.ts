import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import lockfile from "proper-lockfile";
import * as tar from "tar";
import type { Artifact } from "../catalog/artifacts.ts";
import { InfrastructureError, throwIfInterrupted, UsageError } from "../errors.ts";

// Tools a cell needs (kind, istioctl), fetched into the cache and verified against their published
// SHA-256 before first use AND on every reuse: a cached binary someone swapped is refused too.
export interface ToolSpec {
  name: "kind" | "istioctl";
  version: string;
  artifact: Artifact;
  /** How the artifact carries the binary. */
  packaging: "tar.gz" | "binary";
}

export interface ToolOptions {
  cacheDir: string;
  /** Air-gapped: look here first for <name>-<version> or <name> (and an optional <file>.sha256). */
  toolsDir?: string;
  /** Base URL replacing https://github.com (an internal mirror; the lab's local server in tests). */
  mirror?: string;
  /** Named timeout for one download. */
  downloadTimeoutMs: number;
  /** An interrupted run stops the download at once. */
  signal?: AbortSignal;
  /** Registers a cleanup that must run if the process is interrupted mid-download. */
  onPartial?: (path: string) => () => void;
  log?: (line: string) => void;
}

export interface ResolvedTool {
  path: string;
  sha256: string;
  source: "cache" | "download" | "tools-dir";
  verified: boolean;
}

const GITHUB = "https://github.com";

export function sourceUrl(url: string, mirror?: string): string {
  return mirror && url.startsWith(GITHUB) ? `${mirror.replace(/\/$/, "")}${url.slice(GITHUB.length)}` : url;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(path), h);
  return h.digest("hex");
}

/** Parses `sha256sum` output ("<hex>  <file>") or a bare hex digest. */
export function parseChecksum(text: string, fileName: string): string {
  const m = /^([0-9a-fA-F]{64})(?:\s+\*?(\S+))?\s*$/m.exec(text.trim());
  if (!m)
    throw new InfrastructureError(
      `checksum for ${fileName} is not a SHA-256 digest: "${text.trim().slice(0, 80)}"`,
    );
  if (m[2] && basename(m[2]) !== fileName) {
    throw new InfrastructureError(`checksum file names ${m[2]}, not ${fileName}`);
  }
  return m[1]!.toLowerCase();
}

/** The download's abort signal: its own named timeout, or the run's interrupt. */
export function downloadSignal(timeoutMs: number, run?: AbortSignal): AbortSignal {
  return run ? AbortSignal.any([AbortSignal.timeout(timeoutMs), run]) : AbortSignal.timeout(timeoutMs);
}

async function get(
  url: string,
  what: string,
  timeoutMs: number,
  toolLabel: string,
  signal?: AbortSignal,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: downloadSignal(timeoutMs, signal), redirect: "follow" });
  } catch (e) {
    throwIfInterrupted(signal);
    const err = e as Error;
    if (err.name === "TimeoutError") {
      throw new InfrastructureError(
        `timed out after ${timeoutMs / 1000}s downloading ${what} ${url}; slow network? retry or use --tools-dir`,
      );
    }
    const cause = (err.cause as Error | undefined)?.message ?? err.message;
    throw new InfrastructureError(
      `cannot download ${what} ${url} (${cause}); offline? pre-fetch it and pass --tools-dir`,
    );
  }
  if (res.status === 404) {
    throw new UsageError(`${toolLabel} does not exist: ${url} answered 404; check the version`);
  }
  if (!res.ok || !res.body)
    throw new InfrastructureError(`downloading ${what} ${url} failed: HTTP ${res.status}`);
  return res;
}

/** The published checksum. Without one nothing is used: a missing .sha256 beside an existing
 * artifact is an infrastructure problem (exit 3); both missing means no such version (exit 2). */
async function checksumText(
  sumUrl: string,
  url: string,
  label: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  try {
    return await (await get(sumUrl, `the checksum of ${label}`, timeoutMs, label, signal)).text();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const head = await fetch(url, { method: "HEAD", signal: downloadSignal(timeoutMs, signal) }).catch(
      () => undefined,
    );
    if (head?.ok) {
      throw new InfrastructureError(
        `no published checksum for ${label} (${sumUrl} answered 404); refusing an unverified download`,
      );
    }
    throw e;
  }
}

function mismatch(file: string, expected: string, actual: string, action: string): InfrastructureError {
  return new InfrastructureError(
    `SHA-256 mismatch for ${file}: expected ${expected}, got ${actual}; ${action}`,
  );
}

/** Where a --tools-dir copy of a tool may be, in the order it is looked for: <name>-<version>,
 * then <name>. The run, the plan and the doctor share this rule. */
export function toolsDirCandidates(dir: string, name: string, version: string): string[] {
  return [join(dir, `${name}-${version}`), join(dir, name)];
}

async function fromToolsDir(spec: ToolSpec, dir: string): Promise<ResolvedTool | undefined> {
  for (const candidate of toolsDirCandidates(dir, spec.name, spec.version)) {
    if (!existsSync(candidate)) continue;
    const actual = await sha256File(candidate);
    const sumFile = `${candidate}.sha256`;
    if (existsSync(sumFile)) {
      const expected = parseChecksum(await readFile(sumFile, "utf8"), basename(candidate));
      if (expected !== actual) throw mismatch(candidate, expected, actual, "replace the file or its .sha256");
      return { path: candidate, sha256: actual, source: "tools-dir", verified: true };
    }
    return { path: candidate, sha256: actual, source: "tools-dir", verified: false };
  }
  return undefined;
}

/** Returns a verified path to the tool, downloading it on first use. Never returns an unverified
 * download; a tools-dir binary without a checksum is returned with verified: false. */
export async function ensureTool(spec: ToolSpec, o: ToolOptions): Promise<ResolvedTool> {
  const label = `${spec.name} ${spec.version}`;
  if (o.toolsDir) {
    const local = await fromToolsDir(spec, o.toolsDir);
    if (local) return local;
  }
  const dir = join(
    o.cacheDir,
    "tools",
    spec.name,
    spec.version,
    spec.artifact.fileName.replace(/\.tar\.gz$/, ""),
  );
  await mkdir(dir, { recursive: true });
  // Two runs sharing the cache take turns: the second finds the first one's verified copy.
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: `${dir}.lock`,
      realpath: false,
      stale: 30_000,
      retries: {
        retries: Math.ceil(o.downloadTimeoutMs / 2_000) + 5,
        factor: 1.5,
        minTimeout: 200,
        maxTimeout: 2_000,
      },
    });
  } catch (e) {
    throw new InfrastructureError(`cannot lock the cache folder ${dir}: ${(e as Error).message}`);
  }
  try {
    return await cachedOrDownloaded(spec, o, dir, label);
  } finally {
    await release().catch(() => undefined);
  }
}

/** Writes a small file atomically: a reader sees the old content or the new one, never half. */
async function writeAtomic(path: string, text: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function cachedOrDownloaded(
  spec: ToolSpec,
  o: ToolOptions,
  dir: string,
  label: string,
): Promise<ResolvedTool> {
  const archive = join(dir, spec.artifact.fileName);
  const published = join(dir, `${spec.artifact.fileName}.sha256`);
  const binary = join(dir, spec.name);
  const binarySum = join(dir, `${spec.name}.sha256`);

  if (existsSync(archive) && existsSync(published) && existsSync(binary) && existsSync(binarySum)) {
    const expected = parseChecksum(await readFile(published, "utf8"), spec.artifact.fileName);
    const actual = await sha256File(archive);
    const binExpected = (await readFile(binarySum, "utf8")).trim();
    const binActual = await sha256File(binary);
    if (expected !== actual || binExpected !== binActual) {
      await rm(dir, { recursive: true, force: true });
      const [file, e, a] =
        expected !== actual ? [archive, expected, actual] : [binary, binExpected, binActual];
      throw mismatch(file, e, a, "the cached copy was deleted; run again to download it afresh");
    }
    return { path: binary, sha256: actual, source: "cache", verified: true };
  }

  const sumUrl = sourceUrl(spec.artifact.sha256Url, o.mirror);
  const url = sourceUrl(spec.artifact.url, o.mirror);
  const sumText = await checksumText(sumUrl, url, label, o.downloadTimeoutMs, o.signal);
  const expected = parseChecksum(sumText, spec.artifact.fileName);

  o.log?.(`downloading ${label} from ${url}`);
  const partial = join(dir, `.partial-${process.pid}-${spec.artifact.fileName}`);
  const extract = join(dir, `.extract-${process.pid}`);
  const forget = o.onPartial?.(partial);
  try {
    const res = await get(url, label, o.downloadTimeoutMs, label, o.signal);
    const hash = createHash("sha256");
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
        tap,
        createWriteStream(partial),
      );
    } catch (e) {
      throwIfInterrupted(o.signal);
      const err = e as Error;
      throw new InfrastructureError(
        err.name === "TimeoutError" || err.name === "AbortError"
          ? `timed out after ${o.downloadTimeoutMs / 1000}s downloading ${label} ${url}`
          : `download of ${label} from ${url} broke off: ${err.message}`,
      );
    }
    const actual = hash.digest("hex");
    if (actual !== expected) throw mismatch(url, expected, actual, "the download was deleted");
    // Extracted beside the cache entry, then renamed into place: no reader ever sees half a binary.
    await mkdir(extract, { recursive: true });
    const staged = join(extract, spec.name);
    if (spec.packaging === "tar.gz") {
      await tar.x({
        file: partial,
        cwd: extract,
        filter: (p) => basename(p) === spec.name && !p.includes(".."),
      });
      if (!existsSync(staged)) throw new InfrastructureError(`${url} holds no ${spec.name} binary`);
    } else {
      await writeFile(staged, await readFile(partial));
    }
    await chmod(staged, 0o755);
    const binSha = await sha256File(staged);
    await rename(partial, archive);
    await rename(staged, binary);
    await writeAtomic(binarySum, `${binSha}\n`);
    // Written last: its presence is what makes the entry count as complete.
    await writeAtomic(published, sumText);
    return { path: binary, sha256: expected, source: "download", verified: true };
  } finally {
    await rm(partial, { force: true });
    await rm(extract, { recursive: true, force: true });
    forget?.();
  }
}
