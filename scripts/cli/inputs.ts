import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, rmdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.ts";

// Inputs every command checks the same way, before anything is created: one rule for run ids, and
// folders that must be makeable and writable (checked by making and removing a scratch folder in
// them, one level at a time: Node's recursive mkdir loops forever on /proc).

/** 1 to 20 of a-z, 0-9 and -, starting and ending with a letter or digit: it names kind clusters
 * (ssc-<istio>-<profile>-<id>, at most 50 characters with the longest versions), folders and labels. */
const RUN_ID = /^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/;

export function checkRunId(id: string, flag = "--run-id"): string {
  if (!RUN_ID.test(id)) {
    throw new UsageError(
      `${flag} "${id}": use 1 to 20 of a-z, 0-9 and -, starting and ending with a letter or digit (it names kind clusters, folders and labels), e.g. ${flag} nightly-42`,
    );
  }
  return id;
}

function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

/** The folder can be made (if missing) and written; nothing is left behind by the check. Runs that
 * start together on one machine may share a parent folder: a level another run made or removed
 * meanwhile (EEXIST, ENOENT) is tried again, and only empty levels this check made are removed. */
export async function checkWritableFolder(path: string, flag: string, attempts = 5): Promise<void> {
  const base = nearestExisting(path);
  const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  if (!statSync(base).isDirectory()) {
    throw new UsageError(`${flag} ${path}: ${base} is a file, not a folder; point ${flag} at a folder`);
  }
  // A scratch folder where the first missing level would go, made and removed level by level.
  const missing: string[] = [];
  for (let p = resolve(path); p !== base; p = dirname(p)) missing.unshift(p);
  const made: string[] = [];
  try {
    for (const p of missing) {
      await mkdir(p);
      made.unshift(p);
    }
    await rm(await mkdtemp(join(resolve(path), ".ssc-write-check-")), { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === "EEXIST" || code === "ENOENT") && attempts > 1) {
      for (const p of made.splice(0)) await rmdir(p).catch(() => undefined);
      return checkWritableFolder(path, flag, attempts - 1);
    }
    throw new UsageError(
      `${flag} ${path}: cannot create or write there (${why(e)}); pick a folder you can write`,
    );
  } finally {
    // rmdir, not rm -r: a level another run is using now is not empty, and stays.
    for (const p of made) await rmdir(p).catch(() => undefined);
  }
}
