import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfrastructureError } from "../errors.ts";
import { applyServerSide } from "./kube.ts";

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
