import { type HandledSignal, Interrupted, SIGNAL_EXIT } from "../errors.ts";

// SIGINT and SIGTERM end a run in order, not at once: the first one aborts the run's signal, which
// every child process (execa cancelSignal), download, watch and probe observes, so the current step
// unwinds, its cell is marked interrupted, teardown runs, the reports are written, and only then
// the process exits 130 or 143. CI runners and `timeout` signal the whole process group, so a
// signal often arrives twice: later ones never cut the teardown short, they say how to force it.
export class RunInterrupt {
  private readonly controller = new AbortController();
  private received: HandledSignal | undefined;
  private readonly handlers: [HandledSignal, () => void][];
  /** What a forced exit would leave behind, for the message a second signal prints. */
  leftBehind: () => string = () => "";

  constructor(log: (line: string) => void) {
    this.handlers = (Object.keys(SIGNAL_EXIT) as HandledSignal[]).map((sig) => {
      const handler = () => {
        if (this.received) {
          const left = this.leftBehind();
          log(
            `${sig} again: cleanup is still running and will finish; to force an exit now, kill -9 ${process.pid}${left ? ` (that may leave ${left} behind)` : ""}`,
          );
          return;
        }
        this.received = sig;
        log(`interrupted by ${sig}: stopping the current step, cleaning up, then writing the reports`);
        this.controller.abort(new Interrupted(sig));
      };
      process.on(sig, handler);
      return [sig, handler];
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that interrupted the run, if one did. */
  get interruptedBy(): HandledSignal | undefined {
    return this.received;
  }

  /** 130 or 143 after an interrupt, else undefined. */
  get exitCode(): number | undefined {
    return this.received ? SIGNAL_EXIT[this.received] : undefined;
  }

  dispose(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
  }
}
