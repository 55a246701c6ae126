import { availableParallelism } from "node:os";
import { PassThrough } from "node:stream";
import type { Exec, V1Status } from "@kubernetes/client-node";
import { execa } from "execa";
import pLimit from "p-limit";
import type { CommandRunner, ProcessResult } from "./curl.ts";
import { helperRunner } from "./spawner.ts";

/** Processes at once on this machine: the lab runs every probe of every subject together, and
 * hundreds of curl processes at once starve the TLS servers they talk to (timeouts, "could not
 * tell"), so they take turns, a few per CPU. */
// Stryker disable next-line MethodExpression,ArithmeticOperator: equivalent, how many take turns changes only how fast, never a verdict
export const LOCAL_PROCESSES = Math.max(4, availableParallelism() * 4);
const turns = pLimit(LOCAL_PROCESSES);

/** Runs the command on this machine (lab, `ssc probe`). A missing binary is exit 127. */
export const localRunner: CommandRunner = (argv) =>
  turns(async () => {
    const r = await execa(argv[0]!, argv.slice(1), { reject: false, stripFinalNewline: false });
    return { exitCode: r.exitCode ?? 127, stdout: String(r.stdout), stderr: String(r.stderr) };
  });

/**
 * Identical commands issued within `windowMs` of each other share one process. Several probes of
 * one attempt make the same request (the mTLS scrape, and each refusal probe's liveness scrape of
 * that port): one curl answers them all, as one scrape would, while attempts further apart than
 * the window each get a fresh one. Only ever used where commands have no side effects (curl GETs,
 * reads of files).
 */
export function coalescing(run: CommandRunner, windowMs: number): CommandRunner {
  const recent = new Map<string, Promise<ProcessResult>>();
  return (argv) => {
    const key = JSON.stringify(argv);
    const seen = recent.get(key);
    if (seen) return seen;
    const p = run(argv);
    recent.set(key, p);
    const forget = () => setTimeout(() => recent.delete(key), windowMs).unref();
    p.then(forget, forget);
    return p;
  };
}

/** Like localRunner, with the processes started by the helper process (spawner.ts): for the lab,
 * which starts hundreds of them at once. */
export const helperLocalRunner: CommandRunner = (argv) => turns(() => helperRunner(argv));

export interface PodContainer {
  namespace: string;
  pod: string;
  container: string;
}

/** The subset of client-node's Exec the runner uses, so its command construction is testable. */
export type ExecLike = Pick<Exec, "exec">;

/** Exit code from the status kubelet returns at the end of an exec (a V1Status). */
export function exitCodeOf(status: V1Status): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = Number.parseInt(String(cause?.message), 10);
  return Number.isFinite(code) ? code : 126;
}

/** Runs the command in a container through the API server (`kubectl exec` without kubectl). It
 * settles on the exec status, on the socket closing without one, or after `timeoutMs`, so a lost
 * connection is an error the probe reports instead of a test that hangs. */
export function podRunner(exec: ExecLike, target: PodContainer, timeoutMs = 120_000): CommandRunner {
  return (argv) =>
    new Promise<ProcessResult>((resolve, reject) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = "";
      let err = "";
      // Whichever comes first settles the promise; later calls are no-ops on a settled promise.
      const finish = (f: () => void) => {
        clearTimeout(timer);
        f();
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `exec in ${target.namespace}/${target.pod}/${target.container} timed out after ${timeoutMs / 1000}s`,
              ),
            ),
          ),
        timeoutMs,
      );
      stdout.on("data", (c: Buffer) => {
        out += c.toString("utf8");
      });
      stderr.on("data", (c: Buffer) => {
        err += c.toString("utf8");
      });
      exec
        .exec(
          target.namespace,
          target.pod,
          target.container,
          [...argv],
          stdout,
          stderr,
          null,
          false,
          (status) => finish(() => resolve({ exitCode: exitCodeOf(status), stdout: out, stderr: err })),
        )
        .then(
          (ws) =>
            ws.on?.("close", () =>
              // The status frame comes before the close; a close without one lost the result.
              setTimeout(
                () =>
                  finish(() =>
                    reject(new Error(`exec in ${target.namespace}/${target.pod} closed without a status`)),
                  ),
                1_000,
              ),
            ),
          (e: Error) => finish(() => reject(e)),
        );
    });
}
