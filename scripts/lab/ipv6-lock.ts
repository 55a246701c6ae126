import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../probes/backoff.ts";

// IPv6 has one loopback address (::1), so a lab pod on it takes the pod ports 15090-15092 of the
// whole machine. Labs that want one take turns through this lock: a folder made atomically, with
// the holder's pid inside so a lock left by a killed process is taken over, not waited out.

/** How long a lab waits for another lab's IPv6 pod: one selftest or lab file holds it ~1 min. */
export const IPV6_LOCK_TIMEOUT_MS = 300_000;

export const IPV6_LOCK_PATH = join(tmpdir(), "ssc-lab-ipv6.lock");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

async function tryTake(path: string): Promise<boolean> {
  try {
    await mkdir(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const holder = Number((await readFile(join(path, "pid"), "utf8").catch(() => "")).trim());
    // No pid yet: its holder is between mkdir and writeFile; wait for it.
    if (!Number.isInteger(holder) || holder <= 0 || alive(holder)) return false;
    await rm(path, { recursive: true, force: true });
    return tryTake(path);
  }
  await writeFile(join(path, "pid"), String(process.pid));
  return true;
}

/** Takes the machine's IPv6 loopback for this lab; resolves to its release. Waits, with backoff,
 * while another live process holds it, and says who after `timeoutMs`. */
export async function takeIpv6Loopback(
  path = IPV6_LOCK_PATH,
  timeoutMs = IPV6_LOCK_TIMEOUT_MS,
): Promise<() => Promise<void>> {
  const r = await eventually(
    async () => ((await tryTake(path)) ? { done: true, value: true } : { done: false, last: false }),
    timeoutMs,
    { initialMs: 100, factor: 1.5, maxMs: 1_000 },
  );
  if (r.timedOut) {
    const holder = (await readFile(join(path, "pid"), "utf8").catch(() => "?")).trim();
    throw new Error(
      `the IPv6 loopback [::1] is held by lab process ${holder} (${path}) for longer than ${timeoutMs} ms; one IPv6 lab pod per machine at a time`,
    );
  }
  return () => rm(path, { recursive: true, force: true });
}
