import { UsageError } from "../errors.ts";
import { createCa, issueWorkload, privateDir, writeClientFiles } from "../lab/pki.ts";
import { type Convergence, converge } from "../probes/converge.ts";
import { endpointProbes, probeIdentity, type SecurePortTarget } from "../probes/http-probes.ts";
import { probePayload } from "../probes/payload.ts";
import { probeTarget, prometheusApi } from "../probes/prometheus.ts";
import { localRunner } from "../probes/runners.ts";
import type { Verdict } from "../probes/verdict.ts";
import { consecutiveFrom, timeoutsFrom } from "../timeouts.ts";
import { PROBE_KINDS, type ProbeKind } from "./flags.ts";
import { formatOf, list, type Options, str } from "./options.ts";
import { exitCodeFor, verdictText } from "./verdicts.ts";

function need(o: Options, name: string, kind: string): string {
  const v = str(o, name);
  if (!v) throw new UsageError(`ssc probe ${kind} needs --${name}; see ssc probe --help`);
  return v;
}

async function runProbe(kind: ProbeKind, o: Options): Promise<Verdict> {
  // The cell's rule: N passes in a row within the named time (--timeout, --consecutive-successes).
  const timeouts = timeoutsFrom(list(o, "timeout"));
  const convergence = (name: "consistency" | "targetsUp"): Convergence => ({
    consecutive: consecutiveFrom(str(o, "consecutive-successes")),
    timeout: { name, ms: timeouts[name] },
  });
  if (kind === "targets") {
    const api = prometheusApi(localRunner, need(o, "prometheus", kind).replace(/\/$/, ""), timeouts.request);
    return probeTarget(
      api,
      { job: need(o, "job", kind), scrapeUrl: need(o, "target", kind) },
      convergence("targetsUp"),
    );
  }
  const url = need(o, "url", kind);
  if (!/^https:\/\//.test(url))
    throw new UsageError(`--url ${url} must be an https:// URL of a secure metrics port`);
  const t: SecurePortTarget = {
    url,
    meshClient: { ca: need(o, "ca", kind), cert: need(o, "cert", kind), key: need(o, "key", kind) },
    timeoutMs: timeouts.request,
  };
  const c = (attempt: () => Promise<Verdict>) => converge(attempt, convergence("consistency"));
  switch (kind) {
    case "mtls":
    case "plaintext":
    case "no-cert":
      // The cell's own wiring: each endpoint check under convergence (the foreign client is unused).
      return endpointProbes(localRunner, t, t.meshClient, convergence("consistency"))[kind]();
    case "identity": {
      const expected = need(o, "expect-identity", kind);
      return c(() => probeIdentity(localRunner, t, expected));
    }
    case "payload": {
      const portKind = need(o, "port-kind", kind);
      if (portKind !== "envoy" && portKind !== "merged")
        throw new UsageError(`--port-kind ${portKind} is unknown (accepted: envoy, merged)`);
      return c(() => probePayload(localRunner, { ...t, kind: portKind }));
    }
    case "foreign-ca": {
      // A CA of the suite's own that no mesh trusts, made for this probe and deleted after it.
      const dir = await privateDir("ssc-foreign");
      try {
        const foreign = await createCa("ssc foreign CA");
        const client = await issueWorkload(foreign, "spiffe://cluster.local/ns/ssc-probe/sa/foreign");
        const files = await writeClientFiles(dir, "foreign", foreign.certPem, client);
        return await endpointProbes(localRunner, t, files, convergence("consistency"))["foreign-ca"]();
      } finally {
        await dir.dispose();
      }
    }
  }
}

export async function probeCommand(o: Options, positionals: readonly string[]) {
  const [kind, ...extra] = positionals;
  if (!kind || !(PROBE_KINDS as readonly string[]).includes(kind) || extra.length > 0) {
    throw new UsageError(
      `ssc probe takes one of ${PROBE_KINDS.join(", ")}${kind ? `, not "${positionals.join(" ")}"` : ""}`,
    );
  }
  const verdict = await runProbe(kind as ProbeKind, o);
  const output = formatOf(o) === "json" ? JSON.stringify(verdict, null, 2) : verdictText(verdict);
  return { output, exitCode: exitCodeFor([verdict]) };
}
