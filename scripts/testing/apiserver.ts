import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

// A scripted HTTP server that speaks the few Kubernetes API calls ssc's provisioning makes
// (discovery, server-side apply, list, watch, read, delete), so tests can prove how ssc behaves when
// the API misbehaves: watches that drop, 410 Gone, 429, 500, requests that never answer. It is a
// stand-in for the parts a watch and an apply touch, not a cluster: it schedules nothing, runs no
// pod, and no test that uses it claims a live run.

export type WatchFault = "drop" | "gone" | "gone-event" | "throttle" | "fail";
export type ListFault = "throttle" | "fail";

export interface Seen {
  method: string;
  url: string;
  body: string;
}

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; generation?: number };
  [k: string]: unknown;
}

const RESOURCES: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  v1: [
    { name: "namespaces", kind: "Namespace", namespaced: false },
    { name: "serviceaccounts", kind: "ServiceAccount", namespaced: true },
    { name: "services", kind: "Service", namespaced: true },
    { name: "configmaps", kind: "ConfigMap", namespaced: true },
    { name: "secrets", kind: "Secret", namespaced: true },
    { name: "pods", kind: "Pod", namespaced: true },
    { name: "events", kind: "Event", namespaced: true },
  ],
  "apps/v1": [
    { name: "deployments", kind: "Deployment", namespaced: true },
    { name: "daemonsets", kind: "DaemonSet", namespaced: true },
    { name: "statefulsets", kind: "StatefulSet", namespaced: true },
  ],
  "rbac.authorization.k8s.io/v1": [
    { name: "clusterroles", kind: "ClusterRole", namespaced: false },
    { name: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false },
  ],
  "apiextensions.k8s.io/v1": [
    { name: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false },
  ],
  "networking.istio.io/v1": [
    { name: "sidecars", kind: "Sidecar", namespaced: true },
    { name: "gateways", kind: "Gateway", namespaced: true },
    { name: "serviceentries", kind: "ServiceEntry", namespaced: true },
    { name: "virtualservices", kind: "VirtualService", namespaced: true },
  ],
  "networking.istio.io/v1beta1": [{ name: "proxyconfigs", kind: "ProxyConfig", namespaced: true }],
  "security.istio.io/v1": [{ name: "peerauthentications", kind: "PeerAuthentication", namespaced: true }],
  "gateway.networking.k8s.io/v1": [{ name: "gateways", kind: "Gateway", namespaced: true }],
};

/** A Deployment, DaemonSet or StatefulSet whose status says it rolled out. */
export function readyWorkload(kind: string, namespace: string, name: string, labels = { app: name }): Obj {
  const spec = { replicas: 1, selector: { matchLabels: labels } };
  const status =
    kind === "DaemonSet"
      ? { observedGeneration: 1, desiredNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1 }
      : {
          observedGeneration: 1,
          replicas: 1,
          readyReplicas: 1,
          updatedReplicas: 1,
          availableReplicas: 1,
          conditions: [{ type: "Available", status: "True" }],
        };
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name, namespace, generation: 1 },
    spec: kind === "DaemonSet" ? { selector: spec.selector } : spec,
    status,
  };
}

export interface ApiServerScript {
  /** Faults served to the next watch requests, one each, in order; then watches behave. */
  watchFaults?: WatchFault[];
  /** Faults served to the next list requests, one each. */
  listFaults?: ListFault[];
  /** Workloads that come up only after this many watch connections (to prove re-watching). */
  readyAfterWatches?: number;
  /** Pod lists never answer (a stuck API call inside a test body). */
  hangPods?: boolean;
  /** Applied workloads are stored not ready (their pods' reasons come from `pods`). */
  appliedNotReady?: boolean;
  /** Pods and events returned for a namespace. */
  pods?: Obj[];
  events?: Obj[];
}

export interface ScriptedApiServer {
  url: string;
  seen: Seen[];
  /** Objects by API path, e.g. /apis/apps/v1/namespaces/istio-system/deployments/istiod. */
  objects: Map<string, Obj>;
  script: ApiServerScript;
  put(o: Obj): void;
  writeKubeconfig(path: string): Promise<void>;
  close(): Promise<void>;
}

function groupPath(apiVersion: string): string {
  return apiVersion === "v1" ? "/api/v1" : `/apis/${apiVersion}`;
}

function objectPath(o: Obj): string {
  const r = RESOURCES[o.apiVersion ?? ""]?.find((x) => x.kind === o.kind);
  if (!r) throw new Error(`scripted API server: no resource for ${o.apiVersion} ${o.kind}`);
  const ns = r.namespaced ? `/namespaces/${o.metadata?.namespace ?? "default"}` : "";
  return `${groupPath(o.apiVersion!)}${ns}/${r.name}/${o.metadata?.name}`;
}

/** A KubeConfig for a scripted (or any plain-HTTP) API server at `url`, token auth, one context. */
export function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: url, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

export async function startApiServer(script: ApiServerScript = {}): Promise<ScriptedApiServer> {
  const seen: Seen[] = [];
  const objects = new Map<string, Obj>();
  const open = new Set<http.ServerResponse>();
  let rv = 100; // bumped by 2 per write, so an object's not-ready version (rv - 1) is unique
  let watches = 0;
  const put = (o: Obj) => {
    rv += 2;
    objects.set(objectPath(o), { ...o, metadata: { ...o.metadata, resourceVersion: String(rv) } });
  };

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push({ method: req.method ?? "", url: req.url ?? "", body });
      const json = (status: number, o: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(o));
      };
      const status = (code: number, message: string) =>
        json(code, { kind: "Status", apiVersion: "v1", status: "Failure", message, code });
      const path = url.pathname;

      if (path === "/version") return json(200, { major: "1", minor: "36", gitVersion: "v1.36.1" });
      const group = Object.keys(RESOURCES).find((g) => path === groupPath(g));
      if (group && req.method === "GET") {
        return json(200, {
          kind: "APIResourceList",
          groupVersion: group,
          resources: RESOURCES[group]!.map((r) => ({
            ...r,
            verbs: ["get", "list", "watch", "patch", "delete"],
          })),
        });
      }
      if (req.method === "PATCH") {
        const o = JSON.parse(body || "{}") as Obj;
        const stored = objects.get(path);
        const merged: Obj = { ...stored, ...o, metadata: { ...stored?.metadata, ...o.metadata } };
        const kind = merged.kind ?? stored?.kind;
        if (!stored && (kind === "Deployment" || kind === "StatefulSet" || kind === "DaemonSet")) {
          const ready = readyWorkload(
            kind,
            merged.metadata?.namespace ?? "default",
            merged.metadata?.name ?? "",
          );
          merged.status = script.appliedNotReady ? { observedGeneration: 1 } : ready.status;
          merged.metadata = { ...merged.metadata, generation: 1 };
        }
        rv += 2;
        merged.metadata = { ...merged.metadata, resourceVersion: String(rv) };
        objects.set(path, merged);
        return json(200, merged);
      }
      if (req.method === "DELETE") {
        objects.delete(path);
        return json(200, { kind: "Status", status: "Success" });
      }
      if (req.method !== "GET") return status(405, "method not allowed");

      // Collections: /api/v1/namespaces/x/pods, /apis/apps/v1/namespaces/x/deployments, ...
      if (path.endsWith("/pods") && !url.searchParams.has("watch")) {
        if (script.hangPods) {
          open.add(res);
          return;
        }
        return json(200, {
          kind: "PodList",
          apiVersion: "v1",
          metadata: { resourceVersion: String(rv) },
          items: script.pods ?? [],
        });
      }
      if (path.endsWith("/events")) {
        return json(200, {
          kind: "EventList",
          apiVersion: "v1",
          metadata: { resourceVersion: String(rv) },
          items: script.events ?? [],
        });
      }
      const isCollection = Object.values(RESOURCES)
        .flat()
        .some((r) => path.endsWith(`/${r.name}`));
      if (!isCollection)
        return objects.has(path) ? json(200, objects.get(path)) : status(404, `${path} not found`);
      const items = [...objects.entries()]
        .filter(([p]) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes("/"))
        .map(([, o]) => o)
        .filter((o) => {
          const f = url.searchParams.get("fieldSelector");
          return !f || f === `metadata.name=${o.metadata?.name}`;
        });
      // Before it is ready an object is an older version of itself (a lower resourceVersion), as
      // the API server would serve it: watchers dedupe by resourceVersion.
      const notYet = (o: Obj): Obj =>
        script.readyAfterWatches !== undefined && watches < script.readyAfterWatches
          ? {
              ...o,
              metadata: { ...o.metadata, resourceVersion: String(Number(o.metadata?.resourceVersion) - 1) },
              status: { observedGeneration: 0 },
            }
          : o;
      if (url.searchParams.get("watch") === "true") {
        watches++;
        const fault = script.watchFaults?.shift();
        if (fault === "gone") return status(410, "too old resource version");
        if (fault === "throttle") return status(429, "too many requests");
        if (fault === "fail") return status(500, "etcdserver: request timed out");
        res.writeHead(200, { "content-type": "application/json" });
        if (fault === "drop") return res.end();
        if (fault === "gone-event") {
          res.write(
            `${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, message: "too old resource version" } })}\n`,
          );
          return res.end();
        }
        for (const o of items) res.write(`${JSON.stringify({ type: "MODIFIED", object: notYet(o) })}\n`);
        open.add(res);
        return;
      }
      const listFault = script.listFaults?.shift();
      if (listFault === "throttle") return status(429, "too many requests");
      if (listFault === "fail") return status(500, "etcdserver: leader changed");
      return json(200, {
        kind: "List",
        apiVersion: "v1",
        metadata: { resourceVersion: String(rv) },
        items: items.map(notYet),
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    objects,
    script,
    put,
    async writeKubeconfig(path) {
      await writeFile(
        path,
        [
          "apiVersion: v1",
          "kind: Config",
          `clusters: [{name: scripted, cluster: {server: '${url}', insecure-skip-tls-verify: true}}]`,
          "users: [{name: u, user: {token: t}}]",
          "contexts: [{name: scripted, context: {cluster: scripted, user: u}}]",
          "current-context: scripted",
          "",
        ].join("\n"),
      );
    },
    async close() {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
