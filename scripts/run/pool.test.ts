import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { parallelFor, parseParallel, runPool } from "./pool.ts";

describe("runPool", () => {
  it("keeps the plan's order and never runs more than N at once", async () => {
    let running = 0;
    let most = 0;
    const out = await runPool([30, 5, 20, 1, 10, 2], 2, async (ms, i) => {
      running++;
      most = Math.max(most, running);
      await sleep(ms);
      running--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(["0:30", "1:5", "2:20", "3:1", "4:10", "5:2"]);
    expect(most).toBe(2);
    expect(await runPool([], 3, async () => 1)).toEqual([]);
  });

  it("starts no more items after one rejects, lets the started ones finish, then rejects", async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const err = await runPool([0, 1, 2, 3], 2, async (_x, i) => {
      started.push(i);
      if (i === 0) throw new UsageError("bad input");
      await sleep(20);
      finished.push(i);
      return i;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
  });
});

describe("--parallel", () => {
  const cell = (cpuMillis: number, memoryMiB: number) => ({ requests: { total: { cpuMillis, memoryMiB } } });

  it("auto fits the largest cell into CPUs and memory, at least 1, at most the cells", () => {
    const cells = [cell(1500, 2500), cell(1200, 3000), cell(900, 1000)];
    expect(parallelFor(cells, { cpus: 8, memoryMiB: 16_000 })).toBe(3);
    expect(parallelFor(cells, { cpus: 4, memoryMiB: 16_000 })).toBe(2);
    expect(parallelFor(cells, { cpus: 16, memoryMiB: 6_000 })).toBe(2);
    expect(parallelFor(cells, { cpus: 1, memoryMiB: 1_000 })).toBe(1);
    expect(parallelFor([{}], { cpus: 4, memoryMiB: 8_000 })).toBe(1);
  });

  it("reads a count or auto; anything else is bad input", () => {
    expect(parseParallel(undefined)).toBe("auto");
    expect(parseParallel("auto")).toBe("auto");
    expect(parseParallel("3")).toBe(3);
    for (const bad of ["0", "-1", "two", "1.5", "65"])
      expect(() => parseParallel(bad)).toThrow(/give a count of cells at once/);
  });
});
