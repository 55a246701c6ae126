import { describe, expect, it } from "vitest";
import { helperRunner } from "./spawner.ts";

// Real processes through the real helper process.
describe("helperRunner", () => {
  it("returns what the command printed and its exit code, as a local run would", async () => {
    const [ok, failed, missing] = await Promise.all([
      helperRunner(["sh", "-c", "printf out; printf err >&2"]),
      helperRunner(["sh", "-c", "exit 3"]),
      helperRunner(["/nonexistent/ssc-no-such-binary"]),
    ]);
    expect(ok).toEqual({ exitCode: 0, stdout: "out", stderr: "err" });
    expect(failed.exitCode).toBe(3);
    expect(missing.exitCode).toBe(127);
  });

  it("keeps many commands apart when they run at once", async () => {
    const n = 40;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => helperRunner(["echo", String(i)])));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  });
});
