import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Lab, startLab } from "./lab.ts";

// `ssc probe` against lab endpoints: exit 0 pass, 1 fail, 3 could not tell.
let lab: Lab;
beforeAll(async () => {
  lab = await startLab({
    pods: [
      { name: "good" },
      { name: "open", faults: { clientCertOptional: true } },
      { name: "gone", down: true },
      { name: "foreign-id", identityFromForeignCa: true },
      { name: "admin", faults: { adminExposed: true } },
      {
        name: "plain-metrics",
        faults: {
          plaintextAlso: { status: 200, body: "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n" },
        },
      },
      { name: "plain-404", faults: { plaintextAlso: { status: 404, body: "" } } },
      {
        name: "plain-envoy-503",
        faults: {
          plaintextAlso: {
            status: 503,
            body: "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
          },
        },
      },
    ],
  });
}, 60_000);
afterAll(async () => lab?.dispose());

// Budgets sized to the lab (1 s scrapes, 5 s discovery): a failing probe waits out its budget.
const ssc = (...args: string[]) =>
  execa(process.execPath, ["scripts/cli.ts", "probe", ...args, "--timeout", "consistency=3s,targetsUp=15s"], {
    reject: false,
  });
const files = () => ["--ca", lab.meshClient.ca, "--cert", lab.meshClient.cert, "--key", lab.meshClient.key];
const url = (pod: string) => `https://${lab.pods[pod]!.ip}:15092/stats/prometheus`;

describe("ssc probe", () => {
  it.each(["mtls", "plaintext", "no-cert", "foreign-ca"])("%s passes on a healthy pod", async (kind) => {
    const r = await ssc(kind, "--url", url("good"), ...files());
    expect(r.stdout).toMatch(new RegExp(`^PASS ${kind}:`));
    expect(r.exitCode).toBe(0);
  });

  it("identity passes for the right SPIFFE id and fails for another", async () => {
    const ok = await ssc(
      "identity",
      "--url",
      url("good"),
      ...files(),
      "--expect-identity",
      lab.pods.good!.identity,
    );
    expect(ok.exitCode).toBe(0);
    const wrong = await ssc(
      "identity",
      "--url",
      url("good"),
      ...files(),
      "--expect-identity",
      "spiffe://cluster.local/ns/x/sa/y",
    );
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stdout).toContain("not spiffe://cluster.local/ns/x/sa/y");
  });

  it("identity fails (exit 1) on the right SPIFFE id from a certificate outside the mesh", async () => {
    const r = await ssc(
      "identity",
      "--url",
      url("foreign-id"),
      ...files(),
      "--expect-identity",
      lab.pods["foreign-id"]!.identity,
    );
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /^FAIL identity: .* presents a certificate that does not chain to the mesh root/,
    );
  });

  it("payload: exit 0 on each port's own metrics, 1 on the wrong port or an admin path served, 3 when it cannot read", async () => {
    const at = (pod: string, port: number) => `https://${lab.pods[pod]!.ip}:${port}/stats/prometheus`;
    const envoy = await ssc("payload", "--url", at("good", 15091), "--port-kind", "envoy", ...files());
    expect(envoy.stdout).toMatch(
      /^PASS payload: .*:15091\/stats\/prometheus serves the envoy port's metrics only/,
    );
    expect(envoy.exitCode).toBe(0);
    expect(
      (await ssc("payload", "--url", at("good", 15092), "--port-kind", "merged", ...files())).exitCode,
    ).toBe(0);
    // The merged port read as the Envoy port: the agent's metrics are there.
    const swapped = await ssc("payload", "--url", at("good", 15092), "--port-kind", "envoy", ...files());
    expect(swapped.exitCode).toBe(1);
    expect(swapped.stdout).toMatch(/^FAIL payload: .*istio_agent_ metrics on the Envoy port/);
    const admin = await ssc("payload", "--url", at("admin", 15091), "--port-kind", "envoy", ...files());
    expect(admin.exitCode).toBe(1);
    expect(admin.stdout).toMatch(/Envoy admin path \/config_dump, \/clusters served on the secure port/);
    const gone = await ssc("payload", "--url", at("gone", 15091), "--port-kind", "envoy", ...files());
    expect(gone.exitCode).toBe(3);
    const bad = await ssc("payload", "--url", at("good", 15091), "--port-kind", "app", ...files());
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toBe("ssc: --port-kind app is unknown (accepted: envoy, merged)");
  });

  it("plaintext judges what it saw: metrics is exit 1, a 404 cannot tell (exit 3), Envoy's 503 refusal is exit 0", async () => {
    const metrics = await ssc("plaintext", "--url", url("plain-metrics"), ...files());
    expect(metrics.exitCode).toBe(1);
    expect(metrics.stdout).toMatch(/^FAIL plaintext: plain HTTP got HTTP 200/);
    const notFound = await ssc("plaintext", "--url", url("plain-404"), ...files());
    expect(notFound.exitCode).toBe(3);
    expect(notFound.stdout).toMatch(
      /^ERROR plaintext: could not tell whether plain HTTP is refused: HTTP 404/,
    );
    const envoy = await ssc("plaintext", "--url", url("plain-envoy-503"), ...files());
    expect(envoy.stdout).toMatch(/^PASS plaintext: plain HTTP refused \(HTTP 503\)/);
    expect(envoy.exitCode).toBe(0);
  });

  it("fails (exit 1) when a port takes clients without certificates", async () => {
    const r = await ssc("no-cert", "--url", url("open"), ...files(), "--format", "json");
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ probe: "no-cert", verdict: "fail" });
  });

  it("says it could not tell (exit 3) when the target is down, never pass", async () => {
    const r = await ssc("plaintext", "--url", url("gone"), ...files());
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/^ERROR plaintext: could not show .* alive over mTLS/);
  });

  it("checks a Prometheus target", async () => {
    const ok = await ssc(
      "targets",
      "--prometheus",
      lab.prometheus.url,
      "--job",
      "istio-secure-merged-metrics",
      "--target",
      url("good"),
    );
    expect(ok.stdout).toContain("is UP");
    expect(ok.exitCode).toBe(0);
    const gone = await ssc(
      "targets",
      "--prometheus",
      lab.prometheus.url,
      "--job",
      "istio-secure-merged-metrics",
      "--target",
      url("gone"),
    );
    expect(gone.exitCode).toBe(1);
    expect(gone.stdout).toMatch(/DOWN: .*connection refused/);
  });

  it("rejects bad input with exit 2", async () => {
    expect((await ssc("mtls", "--url", url("good"))).exitCode).toBe(2);
    expect((await ssc("warp", "--url", url("good"))).exitCode).toBe(2);
    expect((await ssc("identity", "--url", url("good"), ...files())).stderr).toMatch(
      /needs --expect-identity/,
    );
    expect((await ssc("mtls", "--url", "http://x:1/", ...files())).stderr).toMatch(
      /must be an https:\/\/ URL/,
    );
  });
});

describe("the lab's endpoints", () => {
  it("send the Content-Type the real ones send, so the lab shows what Prometheus v3 would see", async () => {
    const { readFile } = await import("node:fs/promises");
    const https = await import("node:https");
    const http = await import("node:http");
    const { CONTENT_TYPE } = await import("./pod.ts");
    const tls = {
      ca: await readFile(lab.meshClient.ca),
      cert: await readFile(lab.meshClient.cert),
      key: await readFile(lab.meshClient.key),
      rejectUnauthorized: false,
    };
    const typeOf = (url: string) =>
      new Promise<string | undefined>((resolve, reject) => {
        const get = url.startsWith("https") ? https.get(url, tls, done) : http.get(url, done);
        function done(res: import("node:http").IncomingMessage) {
          res.resume();
          resolve(res.headers["content-type"]);
        }
        get.on("error", reject);
      });
    const ip = lab.pods.good!.ip;
    expect(await typeOf(`https://${ip}:15091/stats/prometheus`)).toBe(CONTENT_TYPE.envoy);
    expect(await typeOf(`https://${ip}:15092/stats/prometheus`)).toBe(CONTENT_TYPE.agent);
    expect(CONTENT_TYPE).toEqual({
      envoy: "text/plain; charset=UTF-8",
      agent: "text/plain; version=0.0.4; charset=utf-8",
    });
  });
});
