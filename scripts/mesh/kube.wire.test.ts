import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfrastructureError } from "../errors.ts";
import { applyServerSide, dryRunCreate } from "./kube.ts";

// Wire format only: a local endpoint that records what applyServerSide sends (after answering the
// one discovery call client-node makes). It checks the request we build; it is not a cluster and
// says nothing about how an API server would treat it.
interface Seen {
  method: string;
  url: string;
  contentType: string;
  body: string;
}
const seen: Seen[] = [];
let server: http.Server;
let kc: KubeConfig;
let reject422 = false;
let refuseUnknown = false;
// The shape of an API server's strict-field refusal (a metav1.Status, code 400); the message is the
// one Kubernetes' field-validation e2e tests expect ("strict decoding error: unknown field ...").
const STRICT_REFUSAL = {
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message:
    'PodMonitor in version "v1" cannot be handled as a PodMonitor: strict decoding error: unknown field "spec.podMetricsEndpoints[0].tlsConfig.caFile"',
  reason: "BadRequest",
  code: 400,
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        contentType: String(req.headers["content-type"]),
        body,
      });
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && req.url === "/apis/apiextensions.k8s.io/v1") {
        return res.end(
          JSON.stringify({
            kind: "APIResourceList",
            groupVersion: "apiextensions.k8s.io/v1",
            resources: [
              {
                name: "customresourcedefinitions",
                kind: "CustomResourceDefinition",
                namespaced: false,
                verbs: ["patch"],
              },
            ],
          }),
        );
      }
      if (req.method === "GET" && req.url === "/apis/monitoring.coreos.com/v1") {
        return res.end(
          JSON.stringify({
            kind: "APIResourceList",
            groupVersion: "monitoring.coreos.com/v1",
            resources: [{ name: "podmonitors", kind: "PodMonitor", namespaced: true, verbs: ["create"] }],
          }),
        );
      }
      if (req.method === "POST" && refuseUnknown) {
        res.statusCode = 400;
        return res.end(JSON.stringify(STRICT_REFUSAL));
      }
      if (reject422) {
        res.statusCode = 422;
        return res.end(
          JSON.stringify({
            kind: "Status",
            status: "Failure",
            message: "spec.versions[0].schema: Invalid value",
            code: 422,
          }),
        );
      }
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "c",
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    versions: [
      {
        name: "v1",
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              port: { "x-kubernetes-int-or-string": true, default: 80 },
              mode: { type: "string", enum: ["A", "B"] },
            },
            "x-kubernetes-validations": [{ rule: "self.port != 0" }],
          },
        },
      },
    ],
  },
};

describe("applyServerSide on the wire", () => {
  it("sends the object unchanged as an apply patch, with field manager ssc and force", async () => {
    seen.length = 0;
    await applyServerSide(kc, [crd]);
    const patch = seen.find((s) => s.method === "PATCH")!;
    expect(patch.url).toBe(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com?fieldManager=ssc&force=true",
    );
    expect(patch.contentType).toBe("application/apply-patch+yaml");
    // The keys client-node's typed serializer would drop are all still there.
    expect(JSON.parse(patch.body)).toEqual(crd);
  });

  it("reports the server's reason on failure, not just the status code", async () => {
    reject422 = true;
    try {
      const err = await applyServerSide(kc, [crd]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InfrastructureError);
      expect((err as Error).message).toMatch(
        /widgets\.example\.com failed: HTTP 422: spec\.versions\[0\]\.schema: Invalid value/,
      );
    } finally {
      reject422 = false;
    }
  });
});

describe("dryRunCreate on the wire", () => {
  const monitor = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: "m", namespace: "ssc-operator" },
    spec: { selector: {}, podMetricsEndpoints: [{ port: "http", tlsConfig: { caFile: "/x" } }] },
  };

  it("POSTs the object as it is with dryRun=All and fieldValidation=Strict, and says accepted on 2xx", async () => {
    seen.length = 0;
    expect(await dryRunCreate(kc, monitor)).toEqual({ accepted: true });
    const post = seen.find((s) => s.method === "POST")!;
    expect(post.url).toBe(
      "/apis/monitoring.coreos.com/v1/namespaces/ssc-operator/podmonitors?dryRun=All&fieldValidation=Strict&fieldManager=ssc",
    );
    expect(JSON.parse(post.body)).toEqual(monitor);
  });

  it("returns the server's code and message when it refuses", async () => {
    refuseUnknown = true;
    try {
      expect(await dryRunCreate(kc, monitor)).toEqual({
        accepted: false,
        code: 400,
        message: `HTTP 400: ${STRICT_REFUSAL.message}`,
      });
    } finally {
      refuseUnknown = false;
    }
  });
});
