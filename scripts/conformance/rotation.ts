import { X509Certificate } from "node:crypto";
import { describeError } from "../errors.ts";
import { eventually } from "../probes/backoff.ts";
import { type ClientTls, type CommandRunner, curl, describeResult, pemBlocks } from "../probes/curl.ts";
import { type PrometheusApi, queryMatrix } from "../probes/prometheus.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";
import { ROTATION_TTL } from "../render/scenarios.ts";
import { type AgentScrapeTarget, podSelector } from "./agent-scrapes.ts";

// Certificate rotation seen from both ends of a secure scrape (catalog-facts.md §1, read at
// 1.31.0-rc.0): the agent rotates its workload certificate at
//   Expire - (SECRET_GRACE_PERIOD_RATIO ± jitter) * (Expire - CreatedTime)
// (security/pkg/nodeagent/cache/secretcache.go rotateTime L858-871), so a SECRET_TTL of 3m set
// through proxyMetadata (injection-template.yaml L357-360 renders it as istio-proxy's env) rotates
// about 90 s after each issue. A sidecar with OUTPUT_CERTS writes the new key.pem, cert-chain.pem
// and root-cert.pem on each SDS update (security/pkg/nodeagent/util/util.go OutputKeyCertToDir
// L49-90, each file atomically, the set not). istiod back-dates NotBefore by 2 min
// (security/pkg/pki/util/generate_cert.go L285) and has no minimum TTL (security/pkg/pki/ca/ca.go
// L493-502). No Istio integration test checks that OUTPUT_CERTS follows rotation; this does.

/** istiod's back-dating of NotBefore, which a lifetime read from the certificate includes. */
export const BACKDATE_MS = 120_000;
/** Room over TTL plus back-dating before a lifetime counts as "the TTL was not applied". */
export const LIFETIME_SLACK_MS = 60_000;
/** Rotations of each certificate the test must see. */
export const ROTATIONS_WANTED = 2;

export interface CertFacts {
  serial: string;
  notBefore: number;
  notAfter: number;
}

/** One look at both ends: the client's cert-chain.pem as written, and the leaf the target's secure
 * port presents to a handshake made with those very files. */
export interface RotationSample {
  at: number;
  client?: CertFacts;
  server?: CertFacts;
  /** Why a side could not be read this time. */
  problems: string[];
}

export function certFacts(pem: string): CertFacts {
  const c = new X509Certificate(pem);
  return { serial: c.serialNumber, notBefore: Date.parse(c.validFrom), notAfter: Date.parse(c.validTo) };
}

const factsOf = (pem: string | undefined, what: string, problems: string[]): CertFacts | undefined => {
  if (pem === undefined) return undefined;
  try {
    return certFacts(pem);
  } catch (e) {
    problems.push(`${what}: not a certificate (${describeError(e)})`);
    return undefined;
  }
};

/** Reads the client's certificate file and the target's leaf at once, through the client's runner. */
export async function sampleRotation(
  run: CommandRunner,
  tls: Required<ClientTls>,
  url: string,
  timeoutMs: number,
): Promise<RotationSample> {
  const at = Date.now();
  const problems: string[] = [];
  const [file, r] = await Promise.all([
    run(["cat", tls.cert]),
    curl(run, { url, tls, timeoutMs, peerCertificate: true }),
  ]);
  const clientPem = file.exitCode === 0 ? pemBlocks(file.stdout)[0] : undefined;
  if (!clientPem) problems.push(`${tls.cert}: ${file.stderr.trim() || "no certificate in it"}`);
  const serverPem = r.peerCertificates[0];
  if (!serverPem) problems.push(`no server certificate: ${describeResult(url, r)}`);
  const client = factsOf(clientPem, tls.cert, problems);
  const server = factsOf(serverPem, url, problems);
  return { at, ...(client ? { client } : {}), ...(server ? { server } : {}), problems };
}

/** How many times the serial changed from one successful read to the next. */
export function rotationCount(facts: readonly (CertFacts | undefined)[]): number {
  let turns = 0;
  let last: string | undefined;
  for (const f of facts) {
    if (!f) continue;
    if (last !== undefined && f.serial !== last) turns++;
    last = f.serial;
  }
  return turns;
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)}m`;
const iso = (ms: number) => new Date(ms).toISOString();

/** Each serial once, with when it was first seen and its validity. */
function serialHistory(
  side: string,
  facts: readonly (CertFacts | undefined)[],
  at: readonly number[],
): string[] {
  const out: string[] = [];
  let last: string | undefined;
  facts.forEach((f, i) => {
    if (!f || f.serial === last) return;
    last = f.serial;
    out.push(
      `${side} serial ${f.serial} first seen ${iso(at[i]!)}, valid ${iso(f.notBefore)} .. ${iso(f.notAfter)}`,
    );
  });
  return out;
}

/** A sample that read a certificate past its NotAfter (read after `at`, so never a false one). */
const usedExpired = (s: RotationSample): boolean =>
  (s.client !== undefined && s.client.notAfter < s.at) ||
  (s.server !== undefined && s.server.notAfter < s.at);

export interface RotationWant {
  rotations: number;
  /** The longest lifetime a certificate of the cell may have (TTL plus istiod's back-dating and
   * slack): a longer one means the short TTL never reached the agent. */
  maxLifetimeMs: number;
  /** The named budget the watch ran under, for the messages. */
  budget: { name: string; ms: number };
}

/**
 * Pass when both certificates rotated at least `rotations` times and neither was ever seen past
 * its NotAfter; one seen past it fails at once, however few the reads. A certificate living longer
 * than the cell's TTL is an error (the precondition, a short lifetime, does not hold: nothing can
 * rotate in the budget); too few reads is an error too.
 */
export function judgeRotation(samples: readonly RotationSample[], want: RotationWant): Verdict {
  const at = samples.map((s) => s.at);
  const clients = samples.map((s) => s.client);
  const servers = samples.map((s) => s.server);
  const ev = [...serialHistory("client", clients, at), ...serialHistory("server", servers, at)];
  const problems = samples.flatMap((s) => s.problems.map((p) => `${iso(s.at)}: ${p}`));
  const evidence = [...ev, ...problems.slice(0, 5)];
  const expired = samples.find(usedExpired);
  if (expired) {
    const side = expired.client && expired.client.notAfter < expired.at ? "client" : "server";
    const f = (side === "client" ? expired.client : expired.server)!;
    return fail(
      "rotation",
      `the ${side} certificate (serial ${f.serial}) was still in use at ${iso(expired.at)}, after its NotAfter ${iso(f.notAfter)}: it was not replaced before it expired`,
      evidence,
    );
  }
  const readClients = clients.filter((c) => c !== undefined);
  const readServers = servers.filter((c) => c !== undefined);
  if (readClients.length < 2 || readServers.length < 2) {
    return error(
      "rotation",
      `too few reads to follow rotation: the client certificate read ${readClients.length}, the server's ${readServers.length} of ${samples.length} time(s)`,
      evidence,
    );
  }
  for (const [side, first] of [
    ["the client's cert-chain.pem", readClients[0]!],
    ["the target's certificate", readServers[0]!],
  ] as const) {
    const lifetime = first.notAfter - first.notBefore;
    if (lifetime > want.maxLifetimeMs) {
      return error(
        "rotation",
        `${side} lives ${minutes(lifetime)}, longer than the ${minutes(want.maxLifetimeMs)} a ${ROTATION_TTL} SECRET_TTL allows: the short TTL did not reach its agent (proxy.istio.io/config proxyMetadata), so no rotation can be seen in ${want.budget.name}`,
        evidence,
      );
    }
  }
  const c = rotationCount(clients);
  const s = rotationCount(servers);
  const within = `within ${want.budget.name} (${minutes(want.budget.ms)})`;
  if (c >= want.rotations && s >= want.rotations) {
    return pass(
      "rotation",
      `the client's cert-chain.pem rotated ${c} and the target's certificate ${s} time(s) ${within}, every read in date`,
      evidence,
    );
  }
  if (s >= want.rotations) {
    return fail(
      "rotation",
      `the target's certificate rotated ${s} time(s) but the client's cert-chain.pem only ${c} ${within}: OUTPUT_CERTS did not follow the agent's rotation`,
      evidence,
    );
  }
  if (c >= want.rotations) {
    return fail(
      "rotation",
      `the client's cert-chain.pem rotated ${c} time(s) but the target's secure port presented only ${s} new certificate(s) ${within}: its listener keeps a certificate the agent replaced`,
      evidence,
    );
  }
  return fail(
    "rotation",
    `short-lived certificates did not rotate ${want.rotations} times ${within}: the client's ${c}, the target's ${s}`,
    evidence,
  );
}

export interface RotationWatch {
  /** Pause between samples. */
  intervalMs: number;
  budget: { name: string; ms: number };
  signal?: AbortSignal;
}

/** Samples until both ends have rotated `rotations` times, a certificate is seen past its NotAfter
 * (the verdict is then a failure whatever follows) or the budget runs out; every sample is kept
 * for the judgement. */
export async function watchRotation(
  sample: () => Promise<RotationSample>,
  rotations: number,
  w: RotationWatch,
): Promise<RotationSample[]> {
  const samples: RotationSample[] = [];
  const done = () =>
    samples.some(usedExpired) ||
    (rotationCount(samples.map((s) => s.client)) >= rotations &&
      rotationCount(samples.map((s) => s.server)) >= rotations);
  const step = { initialMs: w.intervalMs, factor: 1, maxMs: w.intervalMs };
  await eventually(
    async () => {
      samples.push(await sample());
      // Stryker disable next-line ObjectLiteral: eventually reads only `done` of a poll not done.
      return done() ? { done: true, value: undefined } : { done: false, last: undefined };
    },
    w.budget.ms,
    step,
    w.signal,
  );
  return samples;
}

/** The raw `up` samples of one target over the last `windowS` seconds (a range selector, so each
 * sample is a real scrape with its own timestamp; a range query would fill gaps from lookback). */
export async function upSamples(
  api: PrometheusApi,
  target: AgentScrapeTarget,
  windowS: number,
): Promise<{ ok: true; samples: [number, string][] } | { ok: false; verdict: Verdict }> {
  const q = await queryMatrix(api, `up${podSelector(target)}[${windowS}s]`, "scrape-continuity");
  if (!q.ok) return q;
  return { ok: true, samples: q.series.flatMap((s) => s.values ?? []).sort((a, b) => a[0] - b[0]) };
}

/**
 * Pass when the target was UP at every scrape of the window, no two scrapes more than two
 * intervals apart, and the scrapes span the window (less two intervals for a gap at its start and
 * one for the scrape under way at its end). No sample at all is an error: the target may not be
 * discovered under these labels, which the targets checks judge.
 */
export function judgeContinuity(
  target: AgentScrapeTarget,
  samples: readonly [number, string][],
  windowS: number,
  intervalS: number,
): Verdict {
  const where = `${target.namespace}/${target.pod} (job ${target.job})`;
  if (samples.length === 0) {
    return error(
      "scrape-continuity",
      `${where}: no up sample in the last ${windowS}s: is the target discovered?`,
    );
  }
  const down = samples.filter(([, v]) => v !== "1");
  const ev = [
    `${samples.length} scrape(s) from ${iso(samples[0]![0] * 1000)} to ${iso(samples.at(-1)![0] * 1000)}`,
    ...down.slice(0, 5).map(([ts, v]) => `up ${v} at ${iso(ts * 1000)}`),
  ];
  if (down.length > 0) {
    return fail(
      "scrape-continuity",
      `${where}: ${down.length} of ${samples.length} scrape(s) failed while certificates rotated, the first at ${iso(down[0]![0] * 1000)}`,
      ev,
    );
  }
  let gap = { s: 0, at: samples[0]![0] };
  for (let i = 1; i < samples.length; i++) {
    const d = samples[i]![0] - samples[i - 1]![0];
    if (d > gap.s) gap = { s: d, at: samples[i - 1]![0] };
  }
  if (gap.s > 2 * intervalS) {
    return fail(
      "scrape-continuity",
      `${where}: no scrape for ${gap.s.toFixed(1)}s after ${iso(gap.at * 1000)}, more than two ${intervalS}s intervals`,
      ev,
    );
  }
  const span = samples.at(-1)![0] - samples[0]![0];
  if (span < windowS - 3 * intervalS) {
    return fail(
      "scrape-continuity",
      `${where}: scrapes span ${span.toFixed(1)}s of the ${windowS}s window: a gap longer than two ${intervalS}s intervals at its start or end`,
      ev,
    );
  }
  return pass(
    "scrape-continuity",
    `${where}: UP at all ${samples.length} scrape(s) of ${windowS}s, no gap over ${(2 * intervalS).toFixed(0)}s`,
    ev,
  );
}
