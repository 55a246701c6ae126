import { type ClientTls, type CommandRunner, curl, describeResult } from "./curl.ts";
import { error, fail, pass, type Verdict } from "./verdict.ts";

// What the secure ports serve (catalog-facts.md §2, istio-facts.md §2.2): 15091 routes only
// /stats/prometheus to Envoy's admin (prometheus_stats, 127.0.0.1:15000), so it serves Envoy's
// metrics and nothing of the agent; 15092 routes /stats/prometheus and /metrics to the agent
// (127.0.0.1:15020), whose handleStats merges Envoy's, the app's and its own istio_agent_* metrics
// (pilot/cmd/pilot-agent/status/server.go @1.31.0-rc.0: prefix istio_agent_ at L197, handleStats at
// L641). Neither routes Envoy's admin paths. A family Envoy and the app both export appears twice in
// the merged output, which Prometheus's text parser refuses (server_test.go TestStats, "conflict
// metric").
export type PortKind = "envoy" | "merged";

export interface PayloadTarget {
  /** https://POD_IP:PORT/stats/prometheus */
  url: string;
  kind: PortKind;
  meshClient: ClientTls;
  timeoutMs: number;
}

/** Admin paths of Envoy a secure port must not serve: the whole configuration, every cluster. */
export const ADMIN_PATHS = ["/config_dump", "/clusters"] as const;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/;

/** The problems of an exposition body for a port of this kind; none means it is what it should be. */
export function payloadProblems(body: string, kind: PortKind): string[] {
  const lines = body.split("\n");
  const declared = lines.flatMap((l) => /^# TYPE (\S+) /.exec(l)?.[1] ?? []);
  // A sample line starts with its metric's name; comments (#) and blank lines match no name.
  const samples = lines.map((l) => SAMPLE.exec(l)?.[1]).filter((n) => n !== undefined);
  const problems: string[] = [];
  if (declared.length === 0) problems.push("no # TYPE line: not Prometheus exposition text");
  if (!samples.some((n) => n.startsWith("envoy_"))) problems.push("no envoy_ metric");
  const agent = samples.some((n) => n.startsWith("istio_agent_"));
  if (kind === "envoy" && agent)
    problems.push("istio_agent_ metrics on the Envoy port: it serves the agent's merge");
  if (kind === "merged" && !agent) problems.push("no istio_agent_ metric: not the agent's merged output");
  const twice = [...new Set(declared.filter((n, i) => declared.indexOf(n) !== i))];
  if (twice.length > 0)
    problems.push(`family ${twice.join(", ")} declared twice (Prometheus's text parser refuses the scrape)`);
  return problems;
}

/** The secure port serves what its kind should, in the exposition format, and no admin path. */
export async function probePayload(run: CommandRunner, t: PayloadTarget): Promise<Verdict> {
  const get = (url: string) => curl(run, { url, tls: t.meshClient, timeoutMs: t.timeoutMs });
  const origin = new URL(t.url).origin;
  const [stats, ...admin] = await Promise.all([t.url, ...ADMIN_PATHS.map((p) => `${origin}${p}`)].map(get));
  const seen = describeResult(t.url, stats!);
  if (stats!.status !== 200) return error("payload", `could not read ${t.url} over mTLS (${seen})`, [seen]);
  const problems = payloadProblems(stats!.body, t.kind);
  const adminSeen = ADMIN_PATHS.map((p, i) => describeResult(`${origin}${p}`, admin[i]!));
  const ev = [seen, ...adminSeen];
  const served = ADMIN_PATHS.filter((_, i) => {
    const s = admin[i]!.status ?? 0;
    return s >= 200 && s < 300;
  });
  if (served.length > 0) problems.push(`Envoy admin path ${served.join(", ")} served on the secure port`);
  if (problems.length > 0) return fail("payload", `${t.url} (${t.kind} port): ${problems.join("; ")}`, ev);
  // An admin path must be answered as the route table answers it (404, or refused), not be unknown.
  const unclear = ADMIN_PATHS.filter((_, i) => {
    const a = admin[i]!;
    return a.outcome !== "response" ? a.outcome !== "rejected" : a.status !== 404 && a.status !== 403;
  });
  if (unclear.length > 0)
    return error(
      "payload",
      `could not tell whether ${unclear.join(", ")} is served: ${adminSeen.join("; ")}`,
      ev,
    );
  return pass("payload", `${t.url} serves the ${t.kind} port's metrics only, and no admin path`, ev);
}
