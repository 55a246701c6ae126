import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type ScriptedApiServer, startApiServer } from "../../testing/apiserver.ts";
import { type HandlerBench, handlerBench } from "../../testing/step-run.ts";
import { applyUrl } from "./apply-url.ts";

// Remote manifests come through --mirror like the tools, are pinned on first use, and applied.
let b: HandlerBench | undefined;
let api: ScriptedApiServer | undefined;
let mirror: http.Server | undefined;
let savedCache: string | undefined;
afterEach(async () => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  await api?.close();
  mirror?.closeAllConnections();
  await new Promise<void>((r) => (mirror ? mirror.close(() => r()) : r()));
  await b?.dispose();
});

describe("apply-url", () => {
  it("downloads Gateway API's CRDs from --mirror, pins them, applies and waits until established", async () => {
    const requested: string[] = [];
    let body =
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gateways.gateway.networking.k8s.io\nstatus:\n  conditions: [{type: Established, status: 'True'}]\n";
    mirror = http.createServer((req, res) => {
      requested.push(req.url ?? "");
      res.end(body);
    });
    await new Promise<void>((r) => mirror!.listen(0, "127.0.0.1", r));
    api = await startApiServer();
    b = await handlerBench({ test: ["GatewayApiSecureMetrics"] });
    savedCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = `${b.root}/cache`;
    b.o.mirror = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
    await api.writeKubeconfig(`${b.root}/kc`);
    b.state.kubeconfig = `${b.root}/kc`;
    await applyUrl(b.run("install-gateway-api-crds"));
    expect(requested).toEqual([
      "/kubernetes-sigs/gateway-api/releases/download/v1.6.0/standard-install.yaml",
    ]);
    expect(
      api.seen.some(
        (s) =>
          s.method === "PATCH" &&
          s.url.includes("customresourcedefinitions/gateways.gateway.networking.k8s.io"),
      ),
    ).toBe(true);
    expect(
      b.logs.some((l) =>
        /^pinned https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/.* at sha256 [0-9a-f]{64} \(first use\)$/.test(
          l,
        ),
      ),
    ).toBe(true);
    // The same URL with other content later is refused: the pin holds.
    body += "# changed\n";
    await expect(applyUrl(b.run("install-gateway-api-crds"))).rejects.toThrow(
      /SHA-256 mismatch for https:\/\/github\.com\/kubernetes-sigs/,
    );
  });
});
