// Exit codes are the contract CI gates on (DESIGN.md "CLI contract"): a broken mesh (1) must never
// be confused with a suite that could not tell (3) or with input the user can fix (2).
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  infrastructure: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad input: flags, options file, unknown version, impossible combination. One line, says how to fix. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
  override name = "UsageError";
}

/** The suite could not tell: docker, kind, istioctl, network, timeout. */
export class InfrastructureError extends Error {
  readonly exitCode = ExitCode.infrastructure;
  override name = "InfrastructureError";
}

export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
export type HandledSignal = keyof typeof SIGNAL_EXIT;

/** The run was interrupted (SIGINT/SIGTERM): the cell is an error, never a failure. */
export class Interrupted extends InfrastructureError {
  override name = "Interrupted";
  readonly signal: HandledSignal;
  constructor(signal: HandledSignal) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}

/** Throws Interrupted when the run's abort signal fired. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Interrupted ? signal.reason : new Interrupted("SIGINT");
  }
}

/** An error's message and, for network errors (fetch failed), the cause that says why. */
export function describeError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } } | undefined;
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `${err?.message ?? String(e)}${cause ? ` (${cause})` : ""}`;
}
