import { UsageError } from "../errors.ts";
import { createCa, issueWorkload, privateDir, writeClientFiles } from "../lab/pki.ts";
import { DEFAULT_TIMEOUTS } from "../probes/backoff.ts";
import {
  probeForeignCaRejected,
  probeIdentity,
  probeMtls,
  probeNoClientCertRejected,
  probePlaintextRejected,
  type SecurePortTarget,
} from "../probes/http-probes.ts";
import { probeTarget, prometheusApi } from "../probes/prometheus.ts";
import { localRunner } from "../probes/runners.ts";
import type { Verdict } from "../probes/verdict.ts";
import { PROBE_KINDS, type ProbeKind } from "./flags.ts";
import { formatOf, type Options, str } from "./options.ts";
import { exitCodeFor, verdictText } from "./verdicts.ts";

function need(o: Options, name: string, kind: string): string {
  const v = str(o, name);
  if (!v) throw new UsageError(`ssc probe ${kind} needs --${name}; see ssc probe --help`);
  return v;
}

function seconds(o: Options, fallbackMs: number): number {
  const t = str(o, "timeout");
  if (t === undefined) return fallbackMs;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--timeout ${t} is not a positive number of seconds`);
  return n * 1000;
}

async function runProbe(kind: ProbeKind, o: Options): Promise<Verdict> {
  if (kind === "targets") {
    const api = prometheusApi(
      localRunner,
      need(o, "prometheus", kind).replace(/\/$/, ""),
      DEFAULT_TIMEOUTS.request,
    );
    return probeTarget(api, {
      job: need(o, "job", kind),
      scrapeUrl: need(o, "target", kind),
      timeoutMs: seconds(o, DEFAULT_TIMEOUTS.targetsUp),
    });
  }
  const url = need(o, "url", kind);
  if (!/^https:\/\//.test(url))
    throw new UsageError(`--url ${url} must be an https:// URL of a secure metrics port`);
  const t: SecurePortTarget = {
    url,
    meshClient: { ca: need(o, "ca", kind), cert: need(o, "cert", kind), key: need(o, "key", kind) },
    timeoutMs: seconds(o, DEFAULT_TIMEOUTS.request),
  };
  switch (kind) {
    case "mtls":
      return probeMtls(localRunner, t);
    case "plaintext":
      return probePlaintextRejected(localRunner, t);
    case "no-cert":
      return probeNoClientCertRejected(localRunner, t);
    case "identity":
      return probeIdentity(localRunner, t, need(o, "expect-identity", kind));
    case "foreign-ca": {
      // A CA of the suite's own that no mesh trusts, made for this probe and deleted after it.
      const dir = await privateDir("ssc-foreign");
      try {
        const foreign = await createCa("ssc foreign CA");
        const client = await issueWorkload(foreign, "spiffe://cluster.local/ns/ssc-probe/sa/foreign");
        return await probeForeignCaRejected(
          localRunner,
          t,
          await writeClientFiles(dir, "foreign", foreign.certPem, client),
        );
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
