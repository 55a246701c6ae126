import { type CurlResult, type ProcessResult, parseCurl } from "../probes/curl.ts";

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

/** What a probe sees of such an answer, through the same parser a real run uses. */
export const seenAnswer = (body: string, status: number): CurlResult => parseCurl(curlAnswer(body, status));

/** What a probe sees of such a failure (the outcome follows from curl's exit code). */
export const seenFailure = (exitCode: number, stderr: string): CurlResult =>
  parseCurl(curlFailure(exitCode, stderr));
