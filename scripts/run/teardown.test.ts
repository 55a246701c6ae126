import { describe, expect, it } from "vitest";
import { Teardown, withTeardown } from "./teardown.ts";

describe("Teardown", () => {
  it("runs every undo once, newest first, and keeps keepable ones when asked", async () => {
    const order: string[] = [];
    const t = new Teardown(() => {});
    t.add("cluster", async () => void order.push("cluster"));
    t.add("partial download", async () => void order.push("partial"), false);
    const [a, b] = await Promise.all([t.runOnce(true), t.runOnce(false)]);
    expect(order).toEqual(["partial"]);
    expect(a).toEqual(["removed partial download", "kept cluster"]);
    expect(b).toBe(a);
  });

  it("reports an undo that fails and still runs the others", async () => {
    const t = new Teardown(() => {});
    t.add("a", async () => {});
    t.add("b", async () => {
      throw new Error("boom");
    });
    expect(await t.runOnce(false)).toEqual(["FAILED to remove b: boom", "removed a"]);
  });

  it("withTeardown cleans up after a failure, or keeps with keepOnFailure", async () => {
    const removed: string[] = [];
    await expect(
      withTeardown(
        { keep: false, keepOnFailure: false },
        () => {},
        async (t) => {
          t.add("x", async () => void removed.push("x"));
          throw new Error("step failed");
        },
      ),
    ).rejects.toThrow("step failed");
    expect(removed).toEqual(["x"]);
    await expect(
      withTeardown(
        { keep: false, keepOnFailure: true },
        () => {},
        async (t) => {
          t.add("y", async () => void removed.push("y"));
          throw new Error("step failed");
        },
      ),
    ).rejects.toThrow();
    expect(removed).toEqual(["x"]);
  });
});
