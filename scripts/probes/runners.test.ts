import { EventEmitter } from "node:events";
import type { Writable } from "node:stream";
import type { V1Status } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { ProcessResult } from "./curl.ts";
import {
  coalescing,
  type ExecLike,
  exitCodeOf,
  helperLocalRunner,
  localRunner,
  podRunner,
} from "./runners.ts";

type Socket = Awaited<ReturnType<ExecLike["exec"]>>;
type StatusCallback = (s: V1Status) => void;

const target = { namespace: "ssc-prometheus", pod: "prometheus-abc", container: "istio-proxy" };

/** An exec whose behaviour each test scripts: it gets the output streams, the status callback
 * and the socket, and decides what happens and when. */
function scriptedExec(
  script: (io: { stdout: Writable; stderr: Writable; status: StatusCallback; socket: EventEmitter }) => void,
  opts: { reject?: Error } = {},
): ExecLike {
  return {
    exec: async (...args: Parameters<ExecLike["exec"]>) => {
      if (opts.reject) throw opts.reject;
      const socket = new EventEmitter();
      const [, , , , stdout, stderr, , , status] = args;
      // After the promise resolves, like the real exec: the socket exists before frames arrive.
      setImmediate(() =>
        script({
          stdout: stdout as Writable,
          stderr: stderr as Writable,
          status: status as StatusCallback,
          socket,
        }),
      );
      return socket as unknown as Socket;
    },
  };
}

describe("localRunner", () => {
  it("returns exit code, stdout and stderr unchanged (final newlines kept: curl's write-out ends the output)", async () => {
    const r = await localRunner(["sh", "-c", "printf 'out\\n'; printf 'err\\n' >&2; exit 3"]);
    expect(r).toEqual({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("reads a binary that is not there as exit 127, the shell's 'command not found'", async () => {
    const r = await localRunner(["ssc-no-such-binary-here"]);
    expect(r.exitCode).toBe(127);
    expect(r.stdout).toBe("");
  });
});

describe("helperLocalRunner", () => {
  it("runs the command through the helper process, taking turns like localRunner", async () => {
    expect(await helperLocalRunner(["sh", "-c", "printf x; exit 4"])).toEqual({
      exitCode: 4,
      stdout: "x",
      stderr: "",
    });
  });
});

describe("coalescing", () => {
  it("answers identical commands within the window with one run, and runs again after it", async () => {
    const runs: string[][] = [];
    const base = async (argv: readonly string[]): Promise<ProcessResult> => {
      runs.push([...argv]);
      await new Promise((r) => setTimeout(r, 20));
      return { exitCode: 0, stdout: String(runs.length), stderr: "" };
    };
    const run = coalescing(base, 100);
    const [a, b, other] = await Promise.all([run(["curl", "x"]), run(["curl", "x"]), run(["curl", "y"])]);
    expect(a).toBe(b);
    expect(other).not.toBe(a);
    expect(runs).toEqual([
      ["curl", "x"],
      ["curl", "y"],
    ]);
    // Still within the window after it finished: shared; past it: a fresh run.
    expect(await run(["curl", "x"])).toBe(a);
    await new Promise((r) => setTimeout(r, 150));
    const fresh = await run(["curl", "x"]);
    expect(fresh).not.toBe(a);
    expect(runs).toHaveLength(3);
  });

  it("forgets a failed run after the window too", async () => {
    let calls = 0;
    const run = coalescing(async () => {
      calls++;
      throw new Error("exec lost");
    }, 10);
    await expect(Promise.all([run(["a"]), run(["a"])])).rejects.toThrow("exec lost");
    expect(calls).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    await expect(run(["a"])).rejects.toThrow("exec lost");
    expect(calls).toBe(2);
  });
});

describe("exitCodeOf", () => {
  it("reads Success as 0 whatever else the status holds", () => {
    expect(
      exitCodeOf({ status: "Success", details: { causes: [{ reason: "ExitCode", message: "7" }] } }),
    ).toBe(0);
  });

  it("reads the ExitCode cause, ignoring other causes before it", () => {
    const status: V1Status = {
      status: "Failure",
      details: {
        causes: [
          { reason: "Other", message: "5" },
          { reason: "ExitCode", message: "35" },
        ],
      },
    };
    expect(exitCodeOf(status)).toBe(35);
  });

  it("reads a failure with no usable code as 126 (could not run), never as 0", () => {
    expect(exitCodeOf({ status: "Failure" })).toBe(126);
    expect(exitCodeOf({ status: "Failure", details: {} })).toBe(126);
    expect(exitCodeOf({ status: "Failure", details: { causes: [{ reason: "Other", message: "5" }] } })).toBe(
      126,
    );
    expect(
      exitCodeOf({ status: "Failure", details: { causes: [{ reason: "ExitCode", message: "x" }] } }),
    ).toBe(126);
    expect(exitCodeOf({ status: "Failure", details: { causes: [{ reason: "ExitCode" }] } })).toBe(126);
  });
});

describe("podRunner", () => {
  it("execs without stdin and without a TTY, so curl's output is not rewritten by a terminal", async () => {
    const seen: unknown[][] = [];
    const exec: ExecLike = {
      exec: async (...args: Parameters<ExecLike["exec"]>) => {
        seen.push(args);
        (args[8] as StatusCallback)({ status: "Success" });
        return new EventEmitter() as unknown as Socket;
      },
    };
    await podRunner(exec, target)(["true"]);
    expect(seen[0]?.slice(0, 4)).toEqual(["ssc-prometheus", "prometheus-abc", "istio-proxy", ["true"]]);
    expect(seen[0]?.[6]).toBeNull();
    expect(seen[0]?.[7]).toBe(false);
  });

  it("collects stdout and stderr and settles on the status frame", async () => {
    const exec = scriptedExec(({ stdout, stderr, status }) => {
      stdout.write("partial ");
      stdout.write("body");
      stderr.write("curl: (35) alert");
      setImmediate(() =>
        status({ status: "Failure", details: { causes: [{ reason: "ExitCode", message: "35" }] } }),
      );
    });
    const r = await podRunner(exec, target)(["curl", "-sS", "https://x/"]);
    expect(r).toEqual({ exitCode: 35, stdout: "partial body", stderr: "curl: (35) alert" });
  });

  it("settles on the status even when the socket closes just before it arrives", async () => {
    const exec = scriptedExec(({ status, socket }) => {
      socket.emit("close");
      setTimeout(() => status({ status: "Success" }), 50);
    });
    const r = await podRunner(exec, target)(["true"]);
    expect(r.exitCode).toBe(0);
  });

  it("fails a socket that closes without a status, naming the pod, instead of hanging", async () => {
    const exec = scriptedExec(({ socket }) => socket.emit("close"));
    const started = Date.now();
    await expect(podRunner(exec, target)(["true"])).rejects.toThrow(
      "exec in ssc-prometheus/prometheus-abc closed without a status",
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("fails after its timeout when nothing comes back, naming pod and container", async () => {
    const exec = scriptedExec(() => {});
    await expect(podRunner(exec, target, 100)(["sleep", "60"])).rejects.toThrow(
      "exec in ssc-prometheus/prometheus-abc/istio-proxy timed out after 0.1s",
    );
  });

  it("passes on the API server's refusal to start the exec", async () => {
    const exec = scriptedExec(() => {}, { reject: new Error('pods "prometheus-abc" is forbidden') });
    await expect(podRunner(exec, target)(["true"])).rejects.toThrow('pods "prometheus-abc" is forbidden');
  });

  it("keeps the first outcome: a status after the timeout changes nothing", async () => {
    let late: StatusCallback | undefined;
    const exec = scriptedExec(({ status }) => {
      late = status;
    });
    await expect(podRunner(exec, target, 50)(["true"])).rejects.toThrow("timed out");
    expect(() => late?.({ status: "Success" })).not.toThrow();
  });

  it("clears its timer once settled, so a finished probe keeps no timer alive", async () => {
    const exec = scriptedExec(({ status }) => status({ status: "Success" }));
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await podRunner(exec, target, 60_000)(["true"]);
    const after = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    expect(after).toBe(before);
  });
});
