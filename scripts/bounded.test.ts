import { describe, expect, it } from "vitest";
import { bounded } from "./bounded.ts";

describe("bounded", () => {
  it("gives the promise's value when it settles in time, and its rejection", async () => {
    await expect(bounded(Promise.resolve(7), 1_000, "x")).resolves.toBe(7);
    await expect(bounded(Promise.reject(new Error("no")), 1_000, "x")).rejects.toThrow("no");
  });

  it("rejects naming what and the limit when the promise never settles, and keeps no timer", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await expect(bounded(new Promise(() => {}), 50, "listing pods")).rejects.toThrow(
      "listing pods: no answer within 0.05s",
    );
    await bounded(Promise.resolve(1), 60_000, "x");
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before);
  });
});
