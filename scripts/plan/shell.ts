// Renders argv as a copy-pasteable POSIX shell line for plan output and the report's Reproduce
// section. Display only: the program itself never goes through a shell (execa with argv arrays).
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(arg: string): string {
  return SAFE.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}
