// istioctl outputs the lab checks its parsers against, laid out as Go's tabwriter lays them out
// (padding 1), with the rows istio-facts.md §3.2 and §5 record.
export function tabwrite(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 1);
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(""))
    .join("\n");
}

export const SIDECAR_LISTENER_ROWS: readonly (readonly string[])[] = [
  ["ADDRESSES", "PORT", "MATCH", "DESTINATION"],
  ["10.96.0.10", "53", "ALL", "Cluster: outbound|53||kube-dns.kube-system.svc.cluster.local"],
  ["0.0.0.0", "15001", "ALL", "PassthroughCluster"],
  [
    "0.0.0.0",
    "15006",
    "Trans: tls; App: istio-http/1.0,istio-http/1.1,istio-h2; Addr: *:8080",
    "InboundPassthroughCluster",
  ],
  ["127.0.0.1", "15090", "ALL", "Inline Route: /stats/prometheus*"],
  ["0.0.0.0", "15091", "Trans: tls", "Inline Route: /stats/prometheus*"],
  ["0.0.0.0", "15092", "Trans: tls", "Inline Route: /stats/prometheus*, /metrics*"],
  ["0.0.0.0", "15021", "ALL", "Inline Route: /healthz/ready*"],
];

/** The same sidecar without METRICS_LOCALHOST_ACCESS_ONLY: 15090 on 0.0.0.0. */
export const SIDECAR_LISTENER_ROWS_UNHARDENED: readonly (readonly string[])[] = SIDECAR_LISTENER_ROWS.map(
  (r) => (r[1] === "15090" ? ["0.0.0.0", ...r.slice(1)] : r),
);

export function ztunnelWorkloadRows(prometheusProtocol: string): string[][] {
  return [
    ["NAMESPACE", "POD NAME", "ADDRESS", "NODE", "WAYPOINT", "PROTOCOL"],
    ["ssc-ambient", "httpbin-7f9d8c-abcde", "10.244.0.12", "ssc-control-plane", "None", "HBONE"],
    [
      "ssc-ambient",
      "prometheus-6c647c84c8-gpxt4",
      "10.244.0.13",
      "ssc-control-plane",
      "None",
      prometheusProtocol,
    ],
    ["istio-system", "ztunnel-x7k2p", "10.244.0.5", "ssc-control-plane", "None", "TCP"],
  ];
}

/** ztunnel's istio_tcp_sent_bytes_total and istio_tcp_connections_opened_total (labels as
 * catalog-facts.md §5 reads them in ztunnel's src/proxy/metrics.rs) for three ambient namespaces:
 * one where every Prometheus connection is mutual_tls with Prometheus's and the workload's
 * principals; one where one connection went out in plain TCP (policy and source_principal
 * "unknown", as ztunnel reports plain TCP); one where the connections carry another source identity
 * than Prometheus's service account. Beside them, the connections of the first two namespaces'
 * Prometheus to ztunnel's own metrics port (istio-system/ztunnel): over HBONE from the first, as
 * TestZtunnelSecureMetrics expects, in plain TCP from the second (no tunnel=http pod label). */
export const ZTUNNEL_ACCOUNT = { namespace: "istio-system", serviceAccount: "ztunnel" } as const;
export function ztunnelMetrics(healthyNs: string, plaintextNs: string, otherIdentityNs: string): string {
  const id = (ns: string, sa: string) => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
  const labels = (ns: string, dst: string, dstNs: string, policy: string, source: string) =>
    `reporter="destination",source_workload="prometheus",source_workload_namespace="${ns}",source_principal="${source}",destination_workload="${dst}",destination_workload_namespace="${dstNs}",destination_principal="${id(dstNs, dst)}",connection_security_policy="${policy}",request_protocol="tcp",response_flags="-"`;
  const z = ZTUNNEL_ACCOUNT.namespace;
  const rows: [string, string, string, string, string][] = [
    [healthyNs, "httpbin", healthyNs, "mutual_tls", id(healthyNs, "prometheus")],
    [healthyNs, "metrics-app", healthyNs, "mutual_tls", id(healthyNs, "prometheus")],
    [plaintextNs, "httpbin", plaintextNs, "mutual_tls", id(plaintextNs, "prometheus")],
    [plaintextNs, "metrics-app", plaintextNs, "unknown", "unknown"],
    [otherIdentityNs, "httpbin", otherIdentityNs, "mutual_tls", id(otherIdentityNs, "prometheus")],
    [otherIdentityNs, "metrics-app", otherIdentityNs, "mutual_tls", id(otherIdentityNs, "default")],
    [healthyNs, "ztunnel", z, "mutual_tls", id(healthyNs, "prometheus")],
    [plaintextNs, "ztunnel", z, "unknown", "unknown"],
  ];
  return [
    "# TYPE istio_tcp_sent_bytes_total counter",
    ...rows.map((r, i) => `istio_tcp_sent_bytes_total{${labels(...r)}} ${1843 + i}`),
    "# TYPE istio_tcp_connections_opened_total counter",
    ...rows.map((r, i) => `istio_tcp_connections_opened_total{${labels(...r)}} ${3 + i}`),
    "",
  ].join("\n");
}
