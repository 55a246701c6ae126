// Guaranteed teardown: whatever a run creates registers its undo here the moment it exists, and
// the stack runs exactly once, in reverse, on success, on failure, on SIGINT and on SIGTERM,
// unless the user asked to keep what was made (--keep, --keep-on-failure).
export interface CleanupItem {
  name: string;
  run: () => Promise<void>;
  /** Kept with --keep / --keep-on-failure (clusters, work dirs). Partial downloads never are. */
  keepable: boolean;
}

export class Teardown {
  private items: CleanupItem[] = [];
  private done: Promise<string[]> | undefined;
  private readonly log: (line: string) => void;
  constructor(log: (line: string) => void) {
    this.log = log;
  }

  /** Registers an undo; returns a function that drops it (when the thing was removed otherwise). */
  add(name: string, run: () => Promise<void>, keepable = true): () => void {
    const item = { name, run, keepable };
    this.items.push(item);
    return () => {
      this.items = this.items.filter((i) => i !== item);
    };
  }

  /** Runs every registered undo once, newest first; later calls get the first call's result. */
  runOnce(keep: boolean): Promise<string[]> {
    this.done ??= (async () => {
      const report: string[] = [];
      for (const item of [...this.items].reverse()) {
        if (keep && item.keepable) {
          report.push(`kept ${item.name}`);
          continue;
        }
        try {
          await item.run();
          report.push(`removed ${item.name}`);
        } catch (e) {
          report.push(`FAILED to remove ${item.name}: ${(e as Error).message}`);
        }
      }
      this.items = [];
      for (const line of report) this.log(`cleanup: ${line}`);
      return report;
    })();
    return this.done;
  }
}

export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

export interface TeardownPolicy {
  keep: boolean;
  keepOnFailure: boolean;
  /** `ssc up` leaves what it made when it succeeds; that is its purpose. */
  keepOnSuccess?: boolean;
}

/**
 * Runs `body` with a Teardown whose stack runs once however the body ends. A signal interrupts the
 * wait, runs the cleanup and exits 130 (SIGINT) or 143 (SIGTERM); a second signal exits at once.
 */
export async function withTeardown<T>(
  policy: TeardownPolicy,
  log: (line: string) => void,
  body: (t: Teardown) => Promise<T>,
  /** A body can finish and still have failed (a red cell): that counts for --keep-on-failure. */
  failedIf: (result: T) => boolean = () => false,
): Promise<T> {
  const t = new Teardown(log);
  let signalled = false;
  const handlers = (Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]).map((sig) => {
    const handler = () => {
      if (signalled) process.exit(SIGNAL_EXIT[sig]);
      signalled = true;
      log(`interrupted by ${sig}: cleaning up (send it again to exit at once)`);
      void t.runOnce(policy.keep).then(() => process.exit(SIGNAL_EXIT[sig]));
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  let failed = true;
  try {
    const result = await body(t);
    failed = failedIf(result);
    return result;
  } finally {
    await t.runOnce(policy.keep || (failed ? policy.keepOnFailure : (policy.keepOnSuccess ?? false)));
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}
