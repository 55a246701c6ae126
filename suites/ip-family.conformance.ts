import { documentedRewriteChecks } from "../scripts/conformance/checks.ts";
import { DOCUMENTED_JOB, DOCUMENTED_REWRITE_PREDICTION } from "../scripts/conformance/documented-rewrite.ts";
import { defineConformanceTest } from "../scripts/registry/define.ts";

// Tests about one cluster IP family (--ip-family). The listener and target checks of every other
// test already follow each pod's IPs; what only an IPv6 cell can show is here.

export const DocumentedAddressRewriteOnIpv6 = defineConformanceTest({
  id: "DocumentedAddressRewriteOnIpv6",
  description: `finding: on an IPv6-only cell, job ${DOCUMENTED_JOB} (the sample's secure job with its $1:$2 rewrite unchanged) scrapes httpbin UP at an unbracketed address while the suite's bracketed job does; DOWN or dropped contradicts it. Predicted: ${DOCUMENTED_REWRITE_PREDICTION}`,
  seed: "finding",
  features: ["SidecarSecureMetrics", "PrometheusSecureJobs"],
  ipFamilies: ["ipv6"],
  scenarios: { native: ["secure-prometheus", "httpbin-native"] },
  run: async (t) => {
    const verdicts = await documentedRewriteChecks(t, await t.pod("ssc-native", "app=httpbin"));
    return { verdicts, finding: verdicts.map((v) => v.summary).join("; ") };
  },
});
