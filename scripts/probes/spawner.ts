import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { CommandRunner, ProcessResult } from "./curl.ts";

// Commands run from a helper process (spawn-helper.ts) instead of this one. The lab starts ~600 curl
// processes from the one Node thread that also serves its TLS listeners; on a 2-CPU runner each fork
// from that large process cost 16 ms of that thread (a third of it from a bare Node), and the
// listeners starved. Commands, exit codes and output are exactly those of a local run.
let helper: ChildProcess | undefined;
const pending = new Map<number, { resolve: (r: ProcessResult) => void; reject: (e: Error) => void }>();
let next = 0;

function start(): ChildProcess {
  const child = fork(join(import.meta.dirname, "spawn-helper.ts"), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child.on("message", (m: { id: number; result: ProcessResult }) => {
    pending.get(m.id)?.resolve(m.result);
    pending.delete(m.id);
  });
  child.on("exit", (code, signal) => {
    helper = undefined;
    for (const p of pending.values()) p.reject(new Error(`the command helper exited (${signal ?? code})`));
    pending.clear();
  });
  // It never keeps the lab's process alive on its own.
  child.unref();
  child.channel?.unref();
  return child;
}

/** Runs argv on this machine through the helper process. */
export const helperRunner: CommandRunner = (argv) =>
  new Promise<ProcessResult>((resolve, reject) => {
    helper ??= start();
    const id = next++;
    // While a command is out, the channel holds the process open so its answer arrives.
    helper.channel?.ref();
    const done = () => {
      if (pending.size === 0) helper?.channel?.unref();
    };
    pending.set(id, {
      resolve: (r) => {
        resolve(r);
        queueMicrotask(done);
      },
      reject: (e) => {
        reject(e);
        queueMicrotask(done);
      },
    });
    helper.send({ id, argv: [...argv] });
  });
