import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InfrastructureError, throwIfInterrupted } from "../errors.ts";
import { downloadSignal, sourceUrl } from "./download.ts";
import { cacheRoot } from "./platform.ts";

// Remote manifests (Gateway API CRDs, the prometheus-operator bundle) publish no checksum: trust on
// first use, pinned in the cache, and any later change is refused. --mirror serves them like the
// tools, so an air-gapped run needs no other route out.
export interface ManifestFetch {
  mirror?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  log: (line: string) => void;
  cacheDir?: string;
  /** The digest the suite knows for this URL: anything else is refused, first use included. */
  sha256?: string;
}

/** Writes the first pin, whole (a temp file hard-linked into place) and only if no other run
 * pinned first: link fails on an existing name, so two runs sharing the cache never overwrite each
 * other's pin; the loser compares against the winner's. False when another pin was there first. */
async function pinFirst(dir: string, pin: string, digest: string): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const tmp = `${pin}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, `${digest}\n`);
  try {
    await link(tmp, pin);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function fetchPinned(url: string, o: ManifestFetch): Promise<string> {
  const dir = join(o.cacheDir ?? cacheRoot(), "manifests");
  const pin = join(dir, `${createHash("sha256").update(url).digest("hex")}.sha256`);
  const from = sourceUrl(url, o.mirror);
  let res: Response;
  try {
    res = await fetch(from, { signal: downloadSignal(o.timeoutMs, o.signal), redirect: "follow" });
  } catch (e) {
    throwIfInterrupted(o.signal);
    const err = e as Error;
    throw new InfrastructureError(
      err.name === "TimeoutError"
        ? `timed out after ${o.timeoutMs / 1000}s downloading ${from}; retry, raise --timeout download=..., or use --mirror`
        : `cannot download ${from} (${(err.cause as Error | undefined)?.message ?? err.message}); offline? serve it from --mirror`,
    );
  }
  if (!res.ok) throw new InfrastructureError(`downloading ${from} failed: HTTP ${res.status}`);
  const text = await res.text();
  const digest = createHash("sha256").update(text).digest("hex");
  if (o.sha256 !== undefined && o.sha256 !== digest) {
    throw new InfrastructureError(
      `SHA-256 mismatch for ${url}: expected ${o.sha256} (the suite's pin), got ${digest}`,
    );
  }
  if (!existsSync(pin) && (await pinFirst(dir, pin, digest))) {
    o.log(`pinned ${url} at sha256 ${digest} (first use)`);
    return text;
  }
  const expected = (await readFile(pin, "utf8")).trim();
  if (expected !== digest) {
    throw new InfrastructureError(
      `SHA-256 mismatch for ${url}: expected ${expected} (pinned on first use in ${pin}), got ${digest}`,
    );
  }
  return text;
}
