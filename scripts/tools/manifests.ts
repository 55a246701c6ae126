import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
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
  if (existsSync(pin)) {
    const expected = (await readFile(pin, "utf8")).trim();
    if (expected !== digest) {
      throw new InfrastructureError(
        `SHA-256 mismatch for ${url}: expected ${expected} (pinned on first use in ${pin}), got ${digest}`,
      );
    }
  } else {
    await mkdir(dir, { recursive: true });
    const tmp = `${pin}.tmp-${process.pid}`;
    await writeFile(tmp, `${digest}\n`);
    await rename(tmp, pin);
    o.log(`pinned ${url} at sha256 ${digest} (first use)`);
  }
  return text;
}
