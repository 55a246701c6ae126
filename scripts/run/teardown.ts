// Guaranteed teardown: whatever a run creates registers its undo here BEFORE the call that creates
// it, and the stack runs exactly once, newest first, however the cell ends: success, failure, error
// or a signal. Kept items (--keep, --keep-on-failure) are reported with how to remove them later;
// an undo that fails is reported with its output, because it leaves something behind.
export interface CleanupItem {
  name: string;
  run: (outcome: { failed: boolean }) => Promise<void>;
  /** Kept with --keep / --keep-on-failure (clusters, work folders). Partial downloads never are. */
  keepable: boolean;
}

export interface TeardownReport {
  removed: string[];
  kept: string[];
  /** What could not be removed, with the reason: left behind on the machine or the cluster. */
  failed: { name: string; error: string }[];
}

export class Teardown {
  private items: CleanupItem[] = [];
  private done: Promise<TeardownReport> | undefined;
  private readonly log: (line: string) => void;
  constructor(log: (line: string) => void) {
    this.log = log;
  }

  /** Registers an undo; returns a function that drops it (when the thing was removed otherwise). */
  add(name: string, run: CleanupItem["run"], keepable = true): () => void {
    const item = { name, run, keepable };
    this.items.push(item);
    return () => {
      this.items = this.items.filter((i) => i !== item);
    };
  }

  /** What is registered and not yet undone, newest first: what a forced exit would leave behind. */
  pending(): string[] {
    return this.items.map((i) => i.name).reverse();
  }

  /** Runs every registered undo once, newest first; later calls get the first call's result. */
  runOnce(keep: boolean, failed = false): Promise<TeardownReport> {
    this.done ??= (async () => {
      const report: TeardownReport = { removed: [], kept: [], failed: [] };
      for (const item of [...this.items].reverse()) {
        if (keep && item.keepable) {
          report.kept.push(item.name);
          this.log(`cleanup: kept ${item.name}`);
          continue;
        }
        try {
          await item.run({ failed });
          report.removed.push(item.name);
          this.log(`cleanup: removed ${item.name}`);
        } catch (e) {
          const error = (e as Error).message;
          report.failed.push({ name: item.name, error });
          this.log(`cleanup: FAILED to remove ${item.name}: ${error}`);
        }
      }
      this.items = [];
      return report;
    })();
    return this.done;
  }
}

export interface TeardownPolicy {
  keep: boolean;
  keepOnFailure: boolean;
  /** `ssc up` leaves what it made when it succeeds; that is its purpose. */
  keepOnSuccess?: boolean;
}

/** Whether a policy keeps what a cell made, given how the cell ended. An interrupt is not a
 * failure of the mesh: only --keep keeps on a signal. */
export function keeps(policy: TeardownPolicy, ended: "success" | "failure" | "interrupted"): boolean {
  if (policy.keep) return true;
  if (ended === "failure") return policy.keepOnFailure;
  if (ended === "success") return policy.keepOnSuccess ?? false;
  return false;
}
