import { describe, expect, it, vi } from "vitest";
import { Interrupted } from "../errors.ts";
import { type Convergence, converge } from "./converge.ts";
import { error, fail, pass, type Verdict } from "./verdict.ts";

// Gateway API's rule: N passes in a row within a named time; the deadline reports the last
// non-pass and the attempts; a flapping probe never passes.
const c = (consecutive: number, ms: number, signal?: AbortSignal): Convergence => ({
  consecutive,
  timeout: { name: "consistency", ms },
  intervalMs: 10,
  signal,
});
const scripted = (verdicts: Verdict[]) => {
  let i = 0;
  return async () => verdicts[Math.min(i++, verdicts.length - 1)]!;
};

describe("converge", () => {
  it("passes after N passes in a row, counting attempts", async () => {
    const v = await converge(
      scripted([fail("p", "not yet"), pass("p", "ok"), pass("p", "ok"), pass("p", "ok")]),
      c(3, 5_000),
    );
    expect(v).toMatchObject({ verdict: "pass", attempts: 4 });
    expect(v.evidence.at(-1)).toMatch(/^passed 3 time\(s\) in a row, 4 attempt\(s\) in/);
  });

  it("a failure resets the streak", async () => {
    const v = await converge(
      scripted([
        pass("p", "ok"),
        pass("p", "ok"),
        fail("p", "blip"),
        pass("p", "ok"),
        pass("p", "ok"),
        pass("p", "ok"),
      ]),
      c(3, 5_000),
    );
    expect(v).toMatchObject({ verdict: "pass", attempts: 6 });
  });

  it("at the deadline gives the last non-pass verdict, its kind, attempts and the budget's name", async () => {
    const v = await converge(scripted([error("p", "unreachable"), fail("p", "DOWN: x")]), c(3, 200));
    expect(v.verdict).toBe("fail");
    expect(v.summary).toMatch(/^DOWN: x \(still so after \d+ attempt\(s\), timeout consistency \(0\.2s\)\)$/);
    expect(v.attempts).toBeGreaterThan(2);
  });

  it("a probe that flaps never passes", async () => {
    const flap = [pass("p", "ok"), fail("p", "refused")];
    let i = 0;
    const v = await converge(async () => flap[i++ % 2]!, c(2, 200));
    expect(v.verdict).toBe("fail");
  });

  it("only passes, too few in a row before the deadline: the suite could not tell", async () => {
    const v = await converge(async () => pass("p", "ok"), { ...c(1_000, 100), intervalMs: 20 });
    expect(v.verdict).toBe("error");
    expect(v.summary).toMatch(/passed \d+ of 1000 times in a row before timeout consistency/);
  });

  it("a probe that throws is an error for that attempt, and is tried again", async () => {
    let i = 0;
    const v = await converge(
      async () => {
        if (i++ === 0) throw Object.assign(new Error("fetch failed"), { cause: { code: "ECONNRESET" } });
        return pass("p", "ok");
      },
      c(2, 5_000),
    );
    expect(v.verdict).toBe("pass");
    const failing = await converge(
      async () => {
        throw new Error("boom");
      },
      c(2, 50),
    );
    expect(failing.summary).toMatch(/^the probe threw: boom/);
  });

  it("stops at an interrupt with an error, never a pass or a fail", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Interrupted("SIGINT")), 50);
    const v = await converge(async () => fail("p", "not yet"), {
      ...c(3, 30_000, ac.signal),
      intervalMs: 1_000,
    });
    expect(v.verdict).toBe("error");
    expect(v.summary).toMatch(/^interrupted after/);
  });
});

describe("converge, what it says", () => {
  it("counts the seconds it took, and names a probe that threw", async () => {
    const v = await converge(async () => pass("p", "ok"), c(1, 5_000));
    expect(v.evidence.at(-1)).toMatch(/^passed 1 time\(s\) in a row, 1 attempt\(s\) in 0\.\ds$/);
    const threw = await converge(
      async () => {
        throw new Error("boom");
      },
      c(1, 30),
    );
    expect(threw).toMatchObject({ probe: "probe", verdict: "error" });
  });

  it("says when a probe was passing again at the deadline, and how often in a row", async () => {
    let i = 0;
    const v = await converge(async () => (i++ === 0 ? fail("p", "refused") : pass("p", "ok")), {
      ...c(1_000, 150),
      intervalMs: 20,
    });
    expect(v.verdict).toBe("fail");
    expect(v.summary).toMatch(
      /^refused \(still so after \d+ attempt\(s\), timeout consistency \(0\.1s\); it passed \d+ time\(s\) in a row at the end\)$/,
    );
  });
});

describe("converge with a zero budget", () => {
  it("looks exactly once when no time is left (the CLI refuses a zero budget; a deadline already reached is the same)", async () => {
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now);
    try {
      const v = await converge(scripted([fail("p", "refused"), pass("p", "ok")]), c(1, 0));
      expect(v).toMatchObject({ verdict: "fail", attempts: 1 });
    } finally {
      clock.mockRestore();
    }
  });
});
