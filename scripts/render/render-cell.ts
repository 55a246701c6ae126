import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Document, type Scalar } from "yaml";
import { ownerLabels } from "../cluster/ownership.ts";
import type { Provider } from "../cluster/providers.ts";
import { istioInstallSettings } from "../mesh/install-options.ts";
import type { Cell } from "../plan/cells.ts";
import type { ScenarioId } from "../registry/scenarios.ts";
import { scopeDiscovery } from "./prometheus-config.ts";
import {
  commonParams,
  type PatchTarget,
  patchFileName,
  type ScenarioDefinition,
  scenarioDefinition,
} from "./scenarios.ts";
import { type Params, renderTemplate } from "./template.ts";

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures");

export interface RenderedPatch {
  target: PatchTarget;
  fileName: string;
  doc: Document;
}

export interface RenderedScenario {
  id: ScenarioId;
  namespace?: string;
  /** Applied in order with server-side apply. */
  objects: Document[];
  patches: RenderedPatch[];
  prometheusConfig?: string;
  prerequisites: ScenarioDefinition["prerequisites"];
}

export interface RenderedCell {
  cell: Cell;
  istioInstall: Document;
  scenarios: RenderedScenario[];
}

const cache = new Map<string, string>();
function fixture(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(join(FIXTURES_DIR, file), "utf8");
    cache.set(file, text);
  }
  return text;
}

function render(file: string, params: Params): Document[] {
  return renderTemplate(`fixtures/${file}`, fixture(file), params);
}

/** `overrides` replace common parameters, e.g. the lab's certificate folder and scrape interval. */
export function renderScenario(
  id: ScenarioId,
  cell: Cell,
  runId: string,
  overrides: Params = {},
): RenderedScenario {
  const def = scenarioDefinition(id, cell, runId);
  const common = { ...commonParams(runId, def.namespace?.name), ...overrides };
  const objects: Document[] = [];
  if (def.namespace) {
    // Owner labels on the Namespace too: on a bring-your-own cluster it is what teardown removes.
    const labels = { ...def.namespace.labels, ...ownerLabels(runId) };
    objects.push(...render("workloads/namespace.yaml", { ...common, NAMESPACE_LABELS: labels }));
  }
  let prometheusConfig: string | undefined;
  if (def.prometheusConfig) {
    const [doc] = render(def.prometheusConfig.file, { ...common, ...def.prometheusConfig.params });
    if (def.prometheusConfig.discover) scopeDiscovery(doc!, def.prometheusConfig.discover);
    prometheusConfig = String(doc);
    // The scrape configuration travels as the ConfigMap the Prometheus pod mounts.
    const configMap = new Document({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "prometheus", namespace: def.namespace?.name, labels: common.COMMON_LABELS },
      data: { "prometheus.yml": prometheusConfig },
    });
    // A literal block keeps the configuration readable, comments and all.
    (configMap.getIn(["data", "prometheus.yml"], true) as Scalar).type = "BLOCK_LITERAL";
    objects.push(configMap);
  }
  for (const use of def.objects) objects.push(...render(use.file, { ...common, ...use.params }));
  const patches = def.patches.map((p) => {
    const [doc] = render(p.file, { ...common, ...p.params });
    return { target: p.target, fileName: patchFileName(p.target), doc: doc! };
  });
  return {
    id,
    namespace: def.namespace?.name,
    objects,
    patches,
    prometheusConfig,
    prerequisites: def.prerequisites,
  };
}

// A scenario renders the same objects in every cell of a secure-metrics mode (scenarioDefinition
// reads the mode, never the version or profile), so the planner renders each once per mode and
// shares it between the requests and the image list. Read it; never change what it returns.
const planned = new Map<string, RenderedScenario>();

export function plannedScenario(id: ScenarioId, cell: Cell, runId: string): RenderedScenario {
  const key = `${id}|${cell.secureMetricsMode}|${runId}`;
  let s = planned.get(key);
  if (!s) {
    s = renderScenario(id, cell, runId);
    planned.set(key, s);
  }
  return s;
}

export function renderCell(
  cell: Cell,
  scenarios: readonly ScenarioId[],
  runId: string,
  provider: Provider = "kind",
): RenderedCell {
  const install = istioInstallSettings(cell, scenarios, provider);
  const istioInstall = new Document(install.overlay);
  istioInstall.commentBefore = [
    ` istioctl install overlay for cell ${cell.id}`,
    ...install.notes.map((n) => ` - ${n}`),
  ].join("\n");
  return { cell, istioInstall, scenarios: scenarios.map((s) => renderScenario(s, cell, runId)) };
}

// Templates keep their own "---" markers; normalise so each document is separated exactly once.
const stream = (docs: readonly Document[]) => docs.map((d) => String(d).replace(/^---\n/, "")).join("---\n");

/** Writes one folder per scenario: manifest.yaml, patch-*.yaml, prometheus.yml, prerequisites.txt. */
export async function writeRenderedCell(out: string, rendered: RenderedCell): Promise<string[]> {
  const written: string[] = [];
  const put = async (path: string, text: string) => {
    await mkdir(dirname(join(out, path)), { recursive: true });
    await writeFile(join(out, path), text);
    written.push(path);
  };
  await put("istio/install.yaml", String(rendered.istioInstall));
  for (const s of rendered.scenarios) {
    if (s.objects.length > 0) await put(`${s.id}/manifest.yaml`, stream(s.objects));
    for (const p of s.patches) {
      const t = p.target;
      const header = `# kubectl -n ${t.namespace} patch ${t.kind.toLowerCase()} ${t.name} --type strategic --patch-file ${p.fileName}\n`;
      await put(`${s.id}/${p.fileName}`, header + String(p.doc));
    }
    if (s.prometheusConfig) await put(`${s.id}/prometheus.yml`, s.prometheusConfig);
    if (s.prerequisites.length > 0) {
      await put(
        `${s.id}/prerequisites.txt`,
        s.prerequisites.map((p) => `${p.url}  # ${p.description}\n`).join(""),
      );
    }
  }
  return written;
}
