import { type CurlResult, describeResult } from "../probes/curl.ts";
import { judgeRefusal } from "../probes/http-probes.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// STRICT with a portLevelMtls PERMISSIVE exception on one app's metrics port (seed 002): three
// requests in one attempt, judged together.
export interface Seen {
  url: string;
  result: CurlResult;
}

export interface PermissivePortAttempt {
  /** Plain HTTP from outside the mesh to the excepted app's port: must get 200. */
  plainOpen: Seen;
  /** Plain HTTP from outside the mesh to the same port of a STRICT app: must be refused. */
  plainStrict: Seen;
  /** Istio mTLS from the mesh client to the STRICT app: shows it alive (200). */
  meshStrict: Seen;
}

// A status exists only on a response.
const ok = (r: CurlResult) => r.status === 200;

/** The STRICT app's refusal is judged like the rejection probes': a transport refusal passes, a
 * 2xx or metrics fails, anything else (a timeout, a 403 or 404) cannot tell and is an error. */
export function judgePermissivePort(a: PermissivePortAttempt): Verdict {
  const ev = [a.plainOpen, a.plainStrict, a.meshStrict].map((s) => describeResult(s.url, s.result));
  if (!ok(a.plainOpen.result)) {
    return fail(
      "permissive-port",
      `the PERMISSIVE exception does not let a plaintext scrape in: ${ev[0]}`,
      ev,
    );
  }
  const refusal = judgeRefusal(a.plainStrict.result);
  if (refusal === "accepted")
    return fail("permissive-port", `the STRICT app also serves plaintext: ${ev[1]}`, ev);
  if (!ok(a.meshStrict.result)) {
    return error("permissive-port", `could not show the STRICT app alive over mTLS: ${ev[2]}`, ev);
  }
  if (refusal === "unclear") {
    return error("permissive-port", `could not tell whether the STRICT app refuses plaintext: ${ev[1]}`, ev);
  }
  return pass("permissive-port", "plaintext works on the excepted port only; the STRICT app refuses it", ev);
}
