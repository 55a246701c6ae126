import { type Document, isMap, isSeq, parseDocument, type YAMLMap } from "yaml";

/**
 * Debian's Prometheus and promtool are built without Kubernetes service discovery, and reject any
 * configuration with kubernetes_sd_configs (lab-notes.md addendum). To check and run the fixtures'
 * configurations here unchanged otherwise, each job's kubernetes_sd_configs is swapped for a
 * file_sd_configs whose targets carry the same __meta_kubernetes_* labels. Relabelling, scheme,
 * paths and tls_config stay exactly as rendered.
 */
export function withFileSd(configText: string, sdFileOf: (jobName: string) => string): string {
  const doc = parseDocument(configText);
  const jobs = doc.get("scrape_configs");
  if (!isSeq(jobs)) throw new Error("prometheus configuration has no scrape_configs list");
  for (const job of jobs.items) {
    if (!isMap(job) || !job.has("kubernetes_sd_configs")) continue;
    const name = String((job as YAMLMap).get("job_name"));
    job.delete("kubernetes_sd_configs");
    job.set("file_sd_configs", doc.createNode([{ files: [sdFileOf(name)], refresh_interval: "1s" }]));
  }
  return String(doc);
}

/** Limits every job's Kubernetes discovery to these namespaces (kubernetes_sd_config `namespaces`),
 * so a Prometheus that judges only its own workloads neither watches nor scrapes the rest. */
export function scopeDiscovery(doc: Document, namespaces: readonly string[]): void {
  const jobs = doc.get("scrape_configs");
  if (!isSeq(jobs)) throw new Error("prometheus configuration has no scrape_configs list");
  for (const job of jobs.items) {
    const sd = isMap(job) ? job.get("kubernetes_sd_configs") : undefined;
    if (!isSeq(sd)) continue;
    for (const c of sd.items) if (isMap(c)) c.set("namespaces", doc.createNode({ names: [...namespaces] }));
  }
}

/** Job names in order, for assertions on rendered configurations. */
export function jobNames(configText: string): string[] {
  const jobs = parseDocument(configText).toJS() as { scrape_configs?: { job_name: string }[] };
  return (jobs.scrape_configs ?? []).map((j) => j.job_name);
}
