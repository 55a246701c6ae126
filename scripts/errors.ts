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
