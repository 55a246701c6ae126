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

/** ztunnel's istio_tcp_sent_bytes_total (istio-facts.md §6.1) for two ambient namespaces: one where
 * every Prometheus connection is mutual_tls, one where one went out in plain TCP ("unknown"). */
export function ztunnelMetrics(healthyNs: string, faultyNs: string): string {
  const line = (ns: string, dst: string, policy: string, v: number) =>
    `istio_tcp_sent_bytes_total{reporter="source",source_workload="prometheus",source_workload_namespace="${ns}",destination_workload="${dst}",destination_workload_namespace="${ns}",connection_security_policy="${policy}",request_protocol="tcp",response_flags="-"} ${v}`;
  return [
    "# TYPE istio_tcp_sent_bytes_total counter",
    line(healthyNs, "httpbin", "mutual_tls", 1843),
    line(healthyNs, "metrics-app", "mutual_tls", 20931),
    line(faultyNs, "httpbin", "mutual_tls", 1843),
    line(faultyNs, "metrics-app", "unknown", 20931),
    "",
  ].join("\n");
}
