import { UsageError } from "../errors.ts";

// Cells at once on one machine (--parallel N): N workers take the next cell as soon as they are
// free, so the makespan of equal cells is ceil(cells / N) cell-times. Results keep the plan's order.

/** Runs `work` on every item, at most `parallel` at a time, results in input order. A rejected item
 * starts no more items and rejects the pool once every started one has settled (each cell tears
 * itself down). */
export async function runPool<T, R>(
  items: readonly T[],
  parallel: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        results[i] = await work(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(parallel, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
  return results;
}

export interface Capacity {
  cpus: number;
  memoryMiB: number;
}

/**
 * How many cells fit at once: the machine's CPUs and memory (Docker's view, and the host's free
 * memory) over the largest cell's requests, at least 1 and at most the number of cells.
 */
export function parallelFor(
  cells: readonly { requests?: { total: { cpuMillis: number; memoryMiB: number } } }[],
  machine: Capacity,
): number {
  const cpu = Math.max(1, ...cells.map((c) => c.requests?.total.cpuMillis ?? 0));
  const mem = Math.max(1, ...cells.map((c) => c.requests?.total.memoryMiB ?? 0));
  const fit = Math.min(Math.floor((machine.cpus * 1000) / cpu), Math.floor(machine.memoryMiB / mem));
  return Math.max(1, Math.min(cells.length, fit));
}

/** --parallel: a count, or "auto" (what the machine allows). */
export function parseParallel(value: string | undefined): number | "auto" {
  if (value === undefined || value === "auto") return "auto";
  if (!/^[1-9]\d*$/.test(value) || Number(value) > 64) {
    throw new UsageError(`--parallel ${value}: give a count of cells at once (1 to 64) or auto`);
  }
  return Number(value);
}
