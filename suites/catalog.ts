import { assertUniqueIds, type ConformanceTest } from "../scripts/registry/define.ts";
import {
  AmbientNamespaceSidecarSecureScrape,
  AmbientScrapeIdentities,
  AmbientScrapeIsMutualTls,
  AmbientWorkloadsHbone,
  AmbientZtunnelMetricsOverHbone,
} from "./ambient.conformance.ts";
import {
  AmbientScrapeOfSidecarUnderDenyAll,
  AuthorizationPolicyGatesSecurePorts,
} from "./authorization.conformance.ts";
import {
  GatewayApiDocsPath,
  GatewayApiSecureMetrics,
  IngressGatewaySecureMetrics,
} from "./gateways.conformance.ts";
import { HardenedPlaintextPortsLocalOnly, HardenedSecureTargetsUp } from "./hardened.conformance.ts";
import { DocumentedAddressRewriteOnIpv6 } from "./ip-family.conformance.ts";
import { LegacyGatewaySecureScrape, LegacySidecarSecureScrape } from "./legacy.conformance.ts";
import { MeshWideSecurePortsFromMeshConfig } from "./mesh-wide.conformance.ts";
import { MetricsMergingExposesAppMetrics, MetricsMergingOptOut } from "./metrics-merging.conformance.ts";
import { PodMonitorFileTlsRefused } from "./prometheus-operator.conformance.ts";
import { CertificateRotationContinuity } from "./rotation.conformance.ts";
import {
  SecurePortAdmitsAnyMeshIdentity,
  SecurePortRejectsForeignCa,
  SecurePortRejectsNoClientCert,
  SecurePortRejectsPlaintext,
  SecurePortServesWorkloadIdentity,
} from "./secure-port-negative.conformance.ts";
import {
  MergedScrapeAgentCountsNoFailure,
  PrometheusClientCertificates,
  PrometheusSecureTargetsUp,
  SecureJobsDoNotScrapePrometheus,
  SecurePortAutoAnnotation,
  SecurePortPayload,
  SidecarInjectedAndReady,
  SidecarSecureListeners,
  SidecarSecureScrapeMtls,
} from "./sidecar-secure-metrics.conformance.ts";
import {
  PermissiveMetricsPortException,
  SecureMergedScrapeUnderStrictMitigated,
  SecureScrapeUnderStrictMtls,
  ServiceMonitorScrapeUnderStrict,
} from "./strict-mtls.conformance.ts";
import {
  SamplePrometheusScrapesAsDocumented,
  SamplePrometheusScrapesItselfMeshWide,
} from "./upstream-sample.conformance.ts";

// Every declared test, in the catalog order of DESIGN.md. Importing the declaration files is cheap
// (no vitest, no Kubernetes client), so `ssc list` and `ssc plan` read the records a run executes.
export const CONFORMANCE_TESTS: readonly ConformanceTest[] = [
  PrometheusClientCertificates,
  SidecarInjectedAndReady,
  SidecarSecureListeners,
  SidecarSecureScrapeMtls,
  SecurePortRejectsPlaintext,
  SecurePortRejectsNoClientCert,
  SecurePortRejectsForeignCa,
  SecurePortServesWorkloadIdentity,
  SecurePortAdmitsAnyMeshIdentity,
  AuthorizationPolicyGatesSecurePorts,
  AmbientScrapeOfSidecarUnderDenyAll,
  SecurePortPayload,
  SecurePortAutoAnnotation,
  PrometheusSecureTargetsUp,
  MergedScrapeAgentCountsNoFailure,
  SecureJobsDoNotScrapePrometheus,
  MeshWideSecurePortsFromMeshConfig,
  SamplePrometheusScrapesAsDocumented,
  SamplePrometheusScrapesItselfMeshWide,
  DocumentedAddressRewriteOnIpv6,
  IngressGatewaySecureMetrics,
  GatewayApiSecureMetrics,
  GatewayApiDocsPath,
  HardenedPlaintextPortsLocalOnly,
  HardenedSecureTargetsUp,
  LegacySidecarSecureScrape,
  LegacyGatewaySecureScrape,
  SecureScrapeUnderStrictMtls,
  SecureMergedScrapeUnderStrictMitigated,
  AmbientScrapeIsMutualTls,
  AmbientScrapeIdentities,
  AmbientWorkloadsHbone,
  AmbientZtunnelMetricsOverHbone,
  AmbientNamespaceSidecarSecureScrape,
  ServiceMonitorScrapeUnderStrict,
  PodMonitorFileTlsRefused,
  PermissiveMetricsPortException,
  MetricsMergingExposesAppMetrics,
  MetricsMergingOptOut,
  CertificateRotationContinuity,
];

assertUniqueIds(CONFORMANCE_TESTS);
