import { ownerLabels } from "../cluster/ownership.ts";
import type { DryRunOutcome } from "../mesh/kube.ts";
import { error, fail, pass, type Verdict } from "../probes/verdict.ts";

// Finding (seed 002, Big Bang): a PodMonitor cannot use file-based TLS. In prometheus-operator
// v0.93.0 (f8fafd47) a PodMonitor endpoint embeds HTTPConfigWithProxy, whose tlsConfig is
// SafeTLSConfig: Secret and ConfigMap references only (pkg/apis/monitoring/v1/podmonitor_types.go
// L341, http_config.go L160-166), and the CRD's tlsConfig declares ca, cert, insecureSkipVerify,
// keySecret, maxVersion, minVersion and serverName, no caFile/certFile/keyFile
// (example/prometheus-operator-crd-full/monitoring.coreos.com_podmonitors.yaml L999-1170). A
// ServiceMonitor endpoint embeds HTTPConfigWithProxyAndTLSFiles (types.go L649) and can name the
// sidecar's files. The schema is structural, so the API server drops unknown fields silently by
// default and refuses them under fieldValidation=Strict: offline validators (kubernetes-models)
// accept the object, so only the cluster's API server can show it.

export const PODMONITOR_PREDICTION =
  "a PodMonitor's tlsConfig is SafeTLSConfig (Secret/ConfigMap references only): the operator's schema has no caFile, certFile or keyFile, so the API server refuses them under strict field validation (and drops them without it). What works instead: a ServiceMonitor with file TLS (ServiceMonitorScrapeUnderStrict) or metrics merging on 15020 (MetricsMergingExposesAppMetrics)";

const FILE_FIELDS = ["caFile", "certFile", "keyFile"] as const;
const FILES_DIR = "/etc/prom-certs";

/** The PodMonitor the Big Bang guidance would need: the secure Prometheus's certificate files in
 * tlsConfig, as the ServiceMonitor fixture has them. Sent only in a dry run. */
export function podMonitorWithFileTls(namespace: string, runId: string) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: "ssc-file-tls", namespace, labels: ownerLabels(runId) },
    spec: {
      selector: { matchLabels: { app: "metrics-app" } },
      podMetricsEndpoints: [
        {
          port: "http-metrics",
          scheme: "https",
          tlsConfig: {
            caFile: `${FILES_DIR}/root-cert.pem`,
            certFile: `${FILES_DIR}/cert-chain.pem`,
            keyFile: `${FILES_DIR}/key.pem`,
            insecureSkipVerify: true,
          },
        },
      ],
    },
  };
}

export function judgePodMonitorFileTls(o: DryRunOutcome): Verdict {
  if (o.accepted) {
    return fail(
      "podmonitor",
      `finding contradicted: the API server accepted a PodMonitor whose tlsConfig names caFile, certFile and keyFile under strict field validation; predicted: ${PODMONITOR_PREDICTION}`,
    );
  }
  const ev = [`dry-run create, fieldValidation=Strict: ${o.message}`];
  // Strict decoding says `unknown field "spec...tlsConfig.caFile"`; a server-side apply path says
  // `.spec...tlsConfig.caFile: field not declared in schema`. Either names the fields.
  const named = FILE_FIELDS.filter((f) => o.message.includes(`tlsConfig.${f}`));
  const unknown = /unknown field|field not declared in schema/.test(o.message);
  if ((o.code === 400 || o.code === 422) && unknown && named.length > 0) {
    return pass(
      "podmonitor",
      `as predicted, the API server refused ${named.join(", ")}: ${PODMONITOR_PREDICTION}`,
      ev,
    );
  }
  return error(
    "podmonitor",
    `could not tell whether a PodMonitor can name TLS files: the dry run failed for another reason (${o.message})`,
    ev,
  );
}
