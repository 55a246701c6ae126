import { describe, expect, it } from "vitest";
import { keeps, Teardown } from "./teardown.ts";

describe("Teardown", () => {
  it("runs every undo once, newest first, and keeps keepable ones when asked", async () => {
    const order: string[] = [];
    const t = new Teardown(() => {});
    t.add("cluster", async () => void order.push("cluster"));
    t.add("partial download", async () => void order.push("partial"), false);
    expect(t.pending()).toEqual(["partial download", "cluster"]);
    const [a, b] = await Promise.all([t.runOnce(true), t.runOnce(false)]);
    expect(order).toEqual(["partial"]);
    expect(a).toEqual({ removed: ["partial download"], kept: ["cluster"], failed: [] });
    expect(b).toBe(a);
  });

  it("reports an undo that fails, with its reason, and still runs the others", async () => {
    const t = new Teardown(() => {});
    const seen: boolean[] = [];
    t.add("a", async ({ failed }) => void seen.push(failed));
    t.add("b", async () => {
      throw new Error("boom");
    });
    expect(await t.runOnce(false, true)).toEqual({
      removed: ["a"],
      kept: [],
      failed: [{ name: "b", error: "boom" }],
    });
    // Undos learn how the cell ended (kind logs are exported on failure only).
    expect(seen).toEqual([true]);
  });

  it("keeps by policy: --keep always, --keep-on-failure on failure only, never on an interrupt otherwise", () => {
    const none = { keep: false, keepOnFailure: false };
    expect(keeps(none, "failure")).toBe(false);
    expect(keeps({ ...none, keepOnFailure: true }, "failure")).toBe(true);
    expect(keeps({ ...none, keepOnFailure: true }, "success")).toBe(false);
    expect(keeps({ ...none, keepOnFailure: true }, "interrupted")).toBe(false);
    expect(keeps({ ...none, keep: true }, "interrupted")).toBe(true);
    expect(keeps({ ...none, keepOnSuccess: true }, "success")).toBe(true);
  });
});
