import type { ProcessResult } from "../probes/curl.ts";

// What curl prints for the command lines scripts/probes/curl.ts builds, for tests that script a
// runner's answers. The mark is written out here, not imported, so a test notices if it changes.
export const WRITE_OUT_MARK = "\n--ssc-write-out--\n";

/** An HTTP answer: the body, the mark, the status and, when asked for, the server's chain (PEM). */
export const curlAnswer = (body: string, status: number, certs = ""): ProcessResult => ({
  exitCode: 0,
  stdout: `${body}${WRITE_OUT_MARK}${status}${certs ? `\n${certs}` : ""}`,
  stderr: "",
});

/** No HTTP answer: curl's exit code and its own message. */
export const curlFailure = (exitCode: number, stderr: string): ProcessResult => ({
  exitCode,
  stdout: `${WRITE_OUT_MARK}000`,
  stderr,
});
