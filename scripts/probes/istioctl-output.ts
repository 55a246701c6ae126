import { isIPv6 } from "node:net";
import { error, fail, pass, type Verdict } from "./verdict.ts";

// istioctl prints tables through Go's tabwriter (minwidth 0, tabwidth 8, padding 1): every cell of
// a column starts at the same offset, but columns may be one space apart and cells contain spaces
// ("Trans: tls", "Inline Route: /stats/prometheus*"). So rows are cut at the header's column
// offsets, never split on whitespace (istio-facts.md §5).
export type Row = Record<string, string>;

/** Where each column starts in a header line holding them all in order, or undefined. Other
 * columns may come before (`proxy-config all` puts NAME first); they are ignored. */
function columnOffsets(line: string, columns: readonly string[]): number[] | undefined {
  const offsets: number[] = [];
  let from = 0;
  for (const c of columns) {
    const i = line.indexOf(c, from);
    if (i < 0) return undefined;
    offsets.push(i);
    from = i + c.length;
  }
  return offsets;
}

export function parseTable(output: string, columns: readonly string[]): Row[] | { problem: string } {
  const lines = output.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => columnOffsets(l, columns) !== undefined);
  if (headerAt < 0) return { problem: `no header with columns ${columns.join(", ")}` };
  const offsets = columnOffsets(lines[headerAt]!, columns)!;
  // The table ends at the first blank line after its header (`proxy-config all` has sections).
  const rows: Row[] = [];
  for (const l of lines.slice(headerAt + 1)) {
    if (l.trim() === "") break;
    rows.push(Object.fromEntries(columns.map((c, i) => [c, l.slice(offsets[i], offsets[i + 1]).trim()])));
  }
  return rows;
}

export const LISTENER_COLUMNS = ["ADDRESSES", "PORT", "MATCH", "DESTINATION"] as const;

export interface ListenerExpectation {
  port: number;
  /** The ADDRESSES cell, any one of these: what Envoy's bootstrap binds depends on the pod's IP
   * families and on ISTIO_DUAL_STACK, which the pod's spec does not show. */
  addresses: readonly string[];
  match: string;
  destination: string;
}

/** The wildcard and loopback values Envoy's bootstrap is rendered with, from the pod's IPs
 * (Istio 1.31.0-rc.0 pkg/bootstrap/config.go L159-203; values in pkg/bootstrap/option/instances.go
 * L34-37): all IPv4 gives 127.0.0.1 / 0.0.0.0, all IPv6 ::1 / ::. A dual-stack pod gets the IPv4
 * pair unless ISTIO_DUAL_STACK is on (pilot/pkg/features/experimental.go L193, default false);
 * then the family of its first IP is primary and the other one is `additional_*`. */
export interface BootstrapAddresses {
  primary: { localhost: string; wildcard: string };
  /** Present only when ISTIO_DUAL_STACK is on for a dual-stack pod. */
  additional?: { localhost: string; wildcard: string };
}

const V4 = { localhost: "127.0.0.1", wildcard: "0.0.0.0" } as const;
const V6 = { localhost: "::1", wildcard: "::" } as const;

/** Every rendering the bootstrap may have for a pod with these IPs (first = status.podIP; none
 * known: IPv4, kind's default family). */
export function bootstrapAddresses(podIps: readonly string[]): BootstrapAddresses[] {
  const v6 = podIps.map((ip) => isIPv6(ip));
  // No IP known (every() of none is true) reads as IPv4, kind's default family.
  if (v6.every((x) => !x)) return [{ primary: V4 }];
  if (v6.every((x) => x)) return [{ primary: V6 }];
  const dual = v6[0] ? { primary: V6, additional: V4 } : { primary: V4, additional: V6 };
  return [dual, { primary: V4 }];
}

/**
 * The secure metrics rows of a sidecar (istio-facts.md §3.2 step 6, §5.1) for a pod with these
 * IPs. istioctl prints a listener's address, then its additional addresses, joined by ","
 * (istioctl/pkg/writer/envoy/configdump/listener.go L325-326, 1.31.0-rc.0). In the bootstrap
 * (tools/packaging/common/envoy_bootstrap.json L594-625, L740-850) only 15090 (and 15021) carry
 * `additionalAddresses`; 15091/15092 bind the primary wildcard alone, so a dual-stack row reads
 * "0.0.0.0,::" on 15090 and "0.0.0.0" on 15091.
 */
export function secureListenerExpectations(
  hardened: boolean,
  podIps: readonly string[],
): ListenerExpectation[] {
  const renderings = bootstrapAddresses(podIps);
  const metricsPort = renderings.map(({ primary, additional }) => {
    const pick = (a: { localhost: string; wildcard: string }) => (hardened ? a.localhost : a.wildcard);
    return [pick(primary), ...(additional ? [pick(additional)] : [])].join(",");
  });
  const wildcard = [...new Set(renderings.map((r) => r.primary.wildcard))];
  return [
    {
      port: 15090,
      addresses: metricsPort,
      match: "ALL",
      destination: "Inline Route: /stats/prometheus*",
    },
    {
      port: 15091,
      addresses: wildcard,
      match: "Trans: tls",
      destination: "Inline Route: /stats/prometheus*",
    },
    {
      port: 15092,
      addresses: wildcard,
      match: "Trans: tls",
      destination: "Inline Route: /stats/prometheus*, /metrics*",
    },
  ];
}

/**
 * `istioctl proxy-config listeners <pod>` has exactly the expected row for each port, and no other:
 * each filter chain is a row, so a plaintext `ALL` chain beside the TLS one on 15092 is a second row,
 * and a failure.
 */
export function checkListeners(output: string, expected: readonly ListenerExpectation[]): Verdict {
  const rows = parseTable(output, LISTENER_COLUMNS);
  if (!Array.isArray(rows))
    return error("listeners", `cannot read istioctl proxy-config listeners output: ${rows.problem}`, []);
  const problems: string[] = [];
  const evidence: string[] = [];
  const show = (r: Row) => `${r.ADDRESSES} ${r.MATCH} ${r.DESTINATION}`;
  const want = (e: ListenerExpectation) => `${e.addresses.join(" or ")} ${e.match} ${e.destination}`;
  for (const e of expected) {
    const onPort = rows.filter((r) => r.PORT === String(e.port));
    evidence.push(...onPort.map((r) => LISTENER_COLUMNS.map((c) => r[c]).join(" | ")));
    const matches = (r: Row) =>
      e.addresses.includes(r.ADDRESSES!) && r.MATCH === e.match && r.DESTINATION === e.destination;
    if (onPort.length === 0) problems.push(`no listener on ${e.port}`);
    else if (!onPort.some(matches)) {
      problems.push(`${e.port} is "${onPort.map(show).join("; ")}", expected "${want(e)}"`);
    } else if (onPort.length > 1) {
      problems.push(
        `${e.port} has ${onPort.length} filter chains, expected only "${want(e)}": also "${onPort
          .filter((r) => !matches(r))
          .map(show)
          .join("; ")}"`,
      );
    }
  }
  if (problems.length > 0) return fail("listeners", problems.join("; "), evidence);
  return pass(
    "listeners",
    `exactly the expected rows on ${expected.map((e) => e.port).join(", ")}`,
    evidence,
  );
}

/** `istioctl ztunnel-config workloads`: column IP before 1.24, ADDRESS from 1.24 (§5.2). */
export function ztunnelColumns(addressColumn: boolean): string[] {
  return ["NAMESPACE", "POD NAME", addressColumn ? "ADDRESS" : "IP", "NODE", "WAYPOINT", "PROTOCOL"];
}

export interface WorkloadExpectation {
  namespace: string;
  /** Pod name prefix, e.g. the Deployment name "prometheus". */
  podPrefix: string;
}

export function checkZtunnelWorkloads(
  output: string,
  addressColumn: boolean,
  expected: readonly WorkloadExpectation[],
): Verdict {
  const rows = parseTable(output, ztunnelColumns(addressColumn));
  if (!Array.isArray(rows))
    return error("ztunnel-workloads", `cannot read ztunnel-config workloads output: ${rows.problem}`, []);
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const e of expected) {
    const pods = rows.filter(
      (r) => r.NAMESPACE === e.namespace && r["POD NAME"]!.startsWith(`${e.podPrefix}-`),
    );
    evidence.push(...pods.map((r) => `${r.NAMESPACE}/${r["POD NAME"]} ${r.PROTOCOL}`));
    if (pods.length === 0) problems.push(`no workload ${e.namespace}/${e.podPrefix}-*`);
    for (const p of pods)
      if (p.PROTOCOL !== "HBONE")
        problems.push(`${e.namespace}/${p["POD NAME"]} is ${p.PROTOCOL}, not HBONE`);
  }
  if (problems.length > 0) return fail("ztunnel-workloads", problems.join("; "), evidence);
  return pass("ztunnel-workloads", "every expected workload uses HBONE", evidence);
}
