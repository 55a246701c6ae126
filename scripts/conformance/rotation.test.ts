import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCa, issueWorkload, spiffeId } from "../lab/pki.ts";
import type { CommandRunner, ProcessResult } from "../probes/curl.ts";
import type { PrometheusApi } from "../probes/prometheus.ts";
import { curlAnswer, curlFailure } from "../testing/curl-output.ts";
import {
  type CertFacts,
  certFacts,
  judgeContinuity,
  judgeRotation,
  type RotationSample,
  rotationCount,
  sampleRotation,
  upSamples,
  watchRotation,
} from "./rotation.ts";

const T0 = Date.parse("2026-12-03T08:00:00.000Z");
const MIN = 60_000;
/** A certificate as istiod issues one with a 3m TTL: back-dated 2 min, expiring 3 min after issue. */
const cert = (serial: string, issuedAt: number, lifetime = 5 * MIN): CertFacts => ({
  serial,
  notBefore: issuedAt - 2 * MIN,
  notAfter: issuedAt - 2 * MIN + lifetime,
});
const WANT = { rotations: 2, maxLifetimeMs: 6 * MIN, budget: { name: "rotation", ms: 4 * MIN } };
const sample = (
  s: number,
  client?: CertFacts,
  server?: CertFacts,
  problems: string[] = [],
): RotationSample => ({
  at: T0 + s * 1000,
  ...(client ? { client } : {}),
  ...(server ? { server } : {}),
  problems,
});
const C = [cert("c0", T0), cert("c1", T0 + 90_000), cert("c2", T0 + 180_000)];
const S = [cert("s0", T0), cert("s1", T0 + 91_000), cert("s2", T0 + 182_000)];
/** Both ends rotating twice, read every 30 s. */
const HEALTHY = [
  sample(0, C[0], S[0]),
  sample(30, C[0], S[0]),
  sample(100, C[1], S[1]),
  sample(130, C[1], S[1]),
  sample(190, C[2], S[2]),
];

describe("rotationCount", () => {
  it("counts serial changes between successful reads, skipping reads that failed", () => {
    expect(rotationCount([])).toBe(0);
    expect(rotationCount([C[0]])).toBe(0);
    expect(rotationCount([C[0], C[0]])).toBe(0);
    expect(rotationCount([C[0], undefined, C[1], C[1], undefined, C[2]])).toBe(2);
    expect(rotationCount([undefined, C[0], C[1]])).toBe(1);
  });
});

describe("judgeRotation", () => {
  it("passes when both ends rotated twice and every read was in date, naming each serial", () => {
    const v = judgeRotation(HEALTHY, WANT);
    expect(v).toMatchObject({ verdict: "pass", probe: "rotation" });
    expect(v.summary).toBe(
      "the client's cert-chain.pem rotated 2 and the target's certificate 2 time(s) within rotation (4.0m), every read in date",
    );
    expect(v.evidence).toEqual([
      "client serial c0 first seen 2026-12-03T08:00:00.000Z, valid 2026-12-03T07:58:00.000Z .. 2026-12-03T08:03:00.000Z",
      "client serial c1 first seen 2026-12-03T08:01:40.000Z, valid 2026-12-03T07:59:30.000Z .. 2026-12-03T08:04:30.000Z",
      "client serial c2 first seen 2026-12-03T08:03:10.000Z, valid 2026-12-03T08:01:00.000Z .. 2026-12-03T08:06:00.000Z",
      "server serial s0 first seen 2026-12-03T08:00:00.000Z, valid 2026-12-03T07:58:00.000Z .. 2026-12-03T08:03:00.000Z",
      "server serial s1 first seen 2026-12-03T08:01:40.000Z, valid 2026-12-03T07:59:31.000Z .. 2026-12-03T08:04:31.000Z",
      "server serial s2 first seen 2026-12-03T08:03:10.000Z, valid 2026-12-03T08:01:02.000Z .. 2026-12-03T08:06:02.000Z",
    ]);
  });

  it("fails when the target rotated but cert-chain.pem stayed: OUTPUT_CERTS did not follow", () => {
    const frozen = HEALTHY.map((s) => ({ ...s, client: cert("c0", T0 + MIN) }));
    const v = judgeRotation(frozen, WANT);
    expect(v).toMatchObject({ verdict: "fail", probe: "rotation" });
    expect(v.summary).toBe(
      "the target's certificate rotated 2 time(s) but the client's cert-chain.pem only 0 within rotation (4.0m): OUTPUT_CERTS did not follow the agent's rotation",
    );
  });

  it("fails when the client rotated but the target kept presenting its old certificate", () => {
    const stale = HEALTHY.map((s, i) => ({ ...s, server: i < 3 ? S[0]! : S[1]! }));
    const v = judgeRotation(stale, { ...WANT, maxLifetimeMs: 10 * MIN });
    expect(v).toMatchObject({ verdict: "fail", probe: "rotation" });
    expect(v.summary).toBe(
      "the client's cert-chain.pem rotated 2 time(s) but the target's secure port presented only 1 new certificate(s) within rotation (4.0m): its listener keeps a certificate the agent replaced",
    );
  });

  it("fails when neither end rotated enough although the certificates are short-lived", () => {
    const once = HEALTHY.slice(0, 3);
    const v = judgeRotation(once, WANT);
    expect(v).toMatchObject({ verdict: "fail", probe: "rotation" });
    expect(v.summary).toBe(
      "short-lived certificates did not rotate 2 times within rotation (4.0m): the client's 1, the target's 1",
    );
  });

  it("fails on a certificate still in use after its NotAfter, either end", () => {
    const late = [...HEALTHY.slice(0, 2), sample(181, C[0], S[1]), ...HEALTHY.slice(3)];
    const v = judgeRotation(late, WANT);
    expect(v).toMatchObject({ verdict: "fail", probe: "rotation" });
    expect(v.summary).toBe(
      "the client certificate (serial c0) was still in use at 2026-12-03T08:03:01.000Z, after its NotAfter 2026-12-03T08:03:00.000Z: it was not replaced before it expired",
    );
    const lateServer = [...HEALTHY.slice(0, 2), sample(181, C[1], S[0]), ...HEALTHY.slice(3)];
    expect(judgeRotation(lateServer, WANT).summary).toBe(
      "the server certificate (serial s0) was still in use at 2026-12-03T08:03:01.000Z, after its NotAfter 2026-12-03T08:03:00.000Z: it was not replaced before it expired",
    );
    // One read past NotAfter is enough to fail (the watch stops there).
    expect(judgeRotation([sample(181, C[0], S[1])], WANT)).toMatchObject({
      verdict: "fail",
      probe: "rotation",
    });
    // The client at its NotAfter exactly is still valid: the expired one named is the server's.
    const both = [
      ...HEALTHY.slice(0, 2),
      { ...sample(180, C[0]), server: { ...S[0]!, notAfter: T0 + 179_000 } },
    ];
    expect(judgeRotation(both, WANT).summary).toMatch(/^the server certificate \(serial s0\)/);
    // At its NotAfter exactly, a certificate is still valid.
    const edge = [...HEALTHY.slice(0, 2), sample(180, C[0], S[0]), ...HEALTHY.slice(3)];
    expect(judgeRotation(edge, WANT).verdict).toBe("pass");
  });

  it("is an error when a certificate lives longer than the TTL allows: the short TTL was not applied", () => {
    const long = HEALTHY.map((s) => ({ ...s, client: cert("c0", T0, 24 * 60 * MIN) }));
    const v = judgeRotation(long, WANT);
    expect(v).toMatchObject({ verdict: "error", probe: "rotation" });
    expect(v.summary).toBe(
      "the client's cert-chain.pem lives 1440.0m, longer than the 6.0m a 3m SECRET_TTL allows: the short TTL did not reach its agent (proxy.istio.io/config proxyMetadata), so no rotation can be seen in rotation",
    );
    const longServer = HEALTHY.map((s) => ({ ...s, server: cert("s0", T0, 6 * MIN + 1) }));
    expect(judgeRotation(longServer, WANT).summary).toMatch(/^the target's certificate lives 6\.0m, longer/);
    // Exactly the longest lifetime allowed is not too long.
    const edge = HEALTHY.map((s, i) => ({
      ...s,
      server: cert(`s${i < 2 ? 0 : i < 4 ? 1 : 2}`, T0, 6 * MIN),
    }));
    expect(judgeRotation(edge, WANT).verdict).toBe("pass");
  });

  it("is an error with fewer than two reads of either end, and keeps the first reasons as evidence", () => {
    const blind = HEALTHY.map((s, i) =>
      i === 0 ? s : { at: s.at, client: s.client, problems: ["no server certificate: reset"] },
    );
    const v = judgeRotation(blind, WANT);
    expect(v).toMatchObject({ verdict: "error", probe: "rotation" });
    expect(v.summary).toBe(
      "too few reads to follow rotation: the client certificate read 5, the server's 1 of 5 time(s)",
    );
    expect(v.evidence.filter((e) => e.endsWith("no server certificate: reset"))).toHaveLength(4);
    const noClient = HEALTHY.map((s, i) => (i === 0 ? s : { at: s.at, server: s.server, problems: [] }));
    expect(judgeRotation(noClient, WANT).summary).toBe(
      "too few reads to follow rotation: the client certificate read 1, the server's 5 of 5 time(s)",
    );
    // Two reads of each end are enough to judge (here: one rotation each, too few).
    const two = [HEALTHY[0]!, HEALTHY[2]!];
    expect(judgeRotation(two, WANT)).toMatchObject({ verdict: "fail", probe: "rotation" });
    const many = HEALTHY.map((s) => ({ ...s, problems: ["a", "b"] }));
    expect(judgeRotation(many, WANT).evidence).toHaveLength(6 + 5);
  });
});

describe("watchRotation", () => {
  it("samples until both ends rotated the wanted times, then stops", async () => {
    let i = 0;
    const got = await watchRotation(async () => HEALTHY[i++]!, 2, {
      intervalMs: 1,
      budget: { name: "rotation", ms: 5_000 },
    });
    expect(got).toEqual(HEALTHY);
  });

  it("stops at the budget with every sample taken so far", async () => {
    const start = Date.now();
    const got = await watchRotation(async () => HEALTHY[0]!, 2, {
      intervalMs: 20,
      budget: { name: "rotation", ms: 150 },
    });
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got.every((s) => s === HEALTHY[0])).toBe(true);
  });

  it("needs both ends: one end rotating is not enough to stop", async () => {
    for (const oneEnd of [
      // The end that does not rotate stays in date: only the rotations are missing.
      HEALTHY.map((s) => ({ ...s, server: { ...S[0]!, notAfter: T0 + 10 * MIN } })),
      HEALTHY.map((s) => ({ ...s, client: { ...C[0]!, notAfter: T0 + 10 * MIN } })),
    ]) {
      let i = 0;
      const got = await watchRotation(async () => oneEnd[Math.min(i++, 4)]!, 2, {
        intervalMs: 1,
        budget: { name: "rotation", ms: 100 },
      });
      expect(got.length).toBeGreaterThan(5);
    }
  });

  it("stops at the first certificate seen past its NotAfter: the verdict cannot become a pass", async () => {
    for (const late of [{ ...sample(200, C[0], S[2]) }, { ...sample(200, C[2], S[0]) }]) {
      let i = 0;
      const looks = [HEALTHY[0]!, late, HEALTHY[4]!];
      const got = await watchRotation(async () => looks[Math.min(i++, 2)]!, 2, {
        intervalMs: 1,
        budget: { name: "rotation", ms: 5_000 },
      });
      expect(got).toEqual([HEALTHY[0], late]);
    }
  });

  it("waits its interval between samples", async () => {
    const got = await watchRotation(async () => HEALTHY[0]!, 2, {
      intervalMs: 50,
      budget: { name: "rotation", ms: 175 },
    });
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got.length).toBeLessThanOrEqual(6);
  });
});

describe("sampleRotation", () => {
  it("reads the client's cert-chain.pem and the target's leaf through one runner", async () => {
    const mesh = await createCa("Mesh");
    const client = await issueWorkload(mesh, spiffeId("cluster.local", "ssc-rotation", "prometheus"));
    const server = await issueWorkload(mesh, spiffeId("cluster.local", "ssc-rotation", "httpbin"));
    const calls: (readonly string[])[] = [];
    const run: CommandRunner = async (argv) => {
      calls.push(argv);
      return argv[0] === "cat"
        ? { exitCode: 0, stdout: `${client.certPem}\n${mesh.certPem}`, stderr: "" }
        : curlAnswer(
            "# TYPE x gauge\n",
            200,
            argv.some((a) => a.includes("%{certs}")) ? `${server.certPem}\n${mesh.certPem}` : "",
          );
    };
    const tls = { ca: "/c/root-cert.pem", cert: "/c/cert-chain.pem", key: "/c/key.pem" };
    const s = await sampleRotation(run, tls, "https://10.0.0.5:15091/stats/prometheus", 5_000);
    expect(s.problems).toEqual([]);
    expect(s.client).toEqual(certFacts(client.certPem));
    expect(s.server).toEqual(certFacts(server.certPem));
    expect(s.client!.serial).not.toBe(s.server!.serial);
    expect(Math.abs(s.at - Date.now())).toBeLessThan(5_000);
    expect(calls[0]).toEqual(["cat", "/c/cert-chain.pem"]);
    expect(calls[1]).toContain("--cert");
    expect(calls[1]).toContain("/c/cert-chain.pem");
  });

  it("says why a side could not be read: a missing file, a refused handshake, a garbled PEM", async () => {
    const tls = { ca: "/c/root-cert.pem", cert: "/c/cert-chain.pem", key: "/c/key.pem" };
    const run =
      (cat: ProcessResult, curl: ProcessResult): CommandRunner =>
      async (argv) =>
        argv[0] === "cat" ? cat : curl;
    const s = await sampleRotation(
      run(
        { exitCode: 1, stdout: "", stderr: "cat: /c/cert-chain.pem: No such file or directory\n" },
        curlFailure(56, "curl: (56) reset"),
      ),
      tls,
      "https://10.0.0.5:15091/stats/prometheus",
      5_000,
    );
    expect(s.client).toBeUndefined();
    expect(s.server).toBeUndefined();
    expect(s.problems).toHaveLength(2);
    expect(s.problems[0]).toBe("/c/cert-chain.pem: cat: /c/cert-chain.pem: No such file or directory");
    expect(s.problems[1]).toMatch(/^no server certificate: https:\/\/10\.0\.0\.5:15091\/stats\/prometheus/);
    // What a failed cat printed is not a certificate it read.
    const mesh = await createCa("Mesh");
    const failedCat = await sampleRotation(
      run({ exitCode: 1, stdout: mesh.certPem, stderr: "cat: read error" }, curlFailure(7, "refused")),
      tls,
      "https://x:1/",
      1_000,
    );
    expect(failedCat.client).toBeUndefined();
    expect(failedCat.problems[0]).toBe("/c/cert-chain.pem: cat: read error");
    const empty = await sampleRotation(
      run({ exitCode: 0, stdout: "", stderr: "" }, curlFailure(7, "refused")),
      tls,
      "https://x:1/",
      1_000,
    );
    expect(empty.problems[0]).toBe("/c/cert-chain.pem: no certificate in it");
    const garbled = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
    const bad = await sampleRotation(
      run({ exitCode: 0, stdout: garbled, stderr: "" }, curlFailure(7, "refused")),
      tls,
      "https://x:1/",
      1_000,
    );
    expect(bad.client).toBeUndefined();
    expect(bad.problems[1]).toMatch(/^\/c\/cert-chain\.pem: not a certificate \(/);
  });
});

const TARGET = { job: "istio-secure-envoy-metrics", namespace: "ssc-rotation", pod: "httpbin-5d8-x" };
const api = (answer: Awaited<ReturnType<PrometheusApi["get"]>>, seen: string[] = []): PrometheusApi => ({
  get: async (path) => {
    seen.push(path);
    return answer;
  },
});

describe("upSamples", () => {
  it("asks for the raw samples of the pod's up over the window and reads Prometheus's matrix (API docs)", async () => {
    const doc = JSON.parse(
      readFileSync(
        new URL("../probes/testdata/prometheus-v3.14.0-query-range-matrix.json", import.meta.url),
        "utf8",
      ),
    ) as { data: unknown };
    const seen: string[] = [];
    const r = await upSamples(api({ ok: true, data: doc.data }, seen), TARGET, 240);
    expect(seen).toEqual([
      `/api/v1/query?query=${encodeURIComponent('up{job="istio-secure-envoy-metrics",namespace="ssc-rotation",pod="httpbin-5d8-x"}[240s]')}`,
    ]);
    expect(r).toEqual({
      ok: true,
      samples: [
        [1435781430.781, "1"],
        [1435781430.781, "0"],
        [1435781445.781, "1"],
        [1435781445.781, "0"],
        [1435781460.781, "1"],
        [1435781460.781, "1"],
      ],
    });
  });

  it("is an error when the API cannot be read or answers with no matrix", async () => {
    expect(await upSamples(api({ ok: false, problem: "HTTP 503" }), TARGET, 60)).toEqual({
      ok: false,
      verdict: {
        probe: "scrape-continuity",
        verdict: "error",
        summary: "Prometheus API unreachable: HTTP 503",
        evidence: [],
      },
    });
    const vector = await upSamples(api({ ok: true, data: { resultType: "vector", result: [] } }), TARGET, 60);
    expect(vector).toMatchObject({ ok: false, verdict: { verdict: "error" } });
    expect(!vector.ok && vector.verdict.summary).toMatch(/returned vector, not a matrix: \[\]$/);
    const none = await upSamples(api({ ok: true, data: null }), TARGET, 60);
    expect(!none.ok && none.verdict.summary).toMatch(/returned no resultType, not a matrix: null$/);
    const untyped = await upSamples(api({ ok: true, data: { result: [] } }), TARGET, 60);
    expect(!untyped.ok && untyped.verdict.summary).toMatch(/returned no resultType, not a matrix: \[\]$/);
    const noList = await upSamples(api({ ok: true, data: { resultType: "matrix", result: {} } }), TARGET, 60);
    expect(!noList.ok && noList.verdict.summary).toMatch(/returned matrix, not a matrix: \{\}$/);
    const noValues = await upSamples(
      api({ ok: true, data: { resultType: "matrix", result: [{ metric: {} }] } }),
      TARGET,
      60,
    );
    expect(noValues).toEqual({ ok: true, samples: [] });
  });
});

describe("judgeContinuity", () => {
  const every = (fromS: number, toS: number, stepS: number, value = "1"): [number, string][] => {
    const out: [number, string][] = [];
    for (let t = fromS; t <= toS; t += stepS) out.push([T0 / 1000 + t, value]);
    return out;
  };

  it("passes when every scrape of the window was UP and none is more than two intervals apart", () => {
    const v = judgeContinuity(TARGET, every(0, 180, 5), 185, 5);
    expect(v).toMatchObject({ verdict: "pass", probe: "scrape-continuity" });
    expect(v.summary).toBe(
      "ssc-rotation/httpbin-5d8-x (job istio-secure-envoy-metrics): UP at all 37 scrape(s) of 185s, no gap over 10s",
    );
    expect(v.evidence).toEqual(["37 scrape(s) from 2026-12-03T08:00:00.000Z to 2026-12-03T08:03:00.000Z"]);
  });

  it("fails on a failed scrape, naming the first", () => {
    const s = every(0, 180, 5);
    s[10] = [s[10]![0], "0"];
    s[12] = [s[12]![0], "0"];
    const v = judgeContinuity(TARGET, s, 185, 5);
    expect(v).toMatchObject({ verdict: "fail", probe: "scrape-continuity" });
    expect(v.summary).toBe(
      "ssc-rotation/httpbin-5d8-x (job istio-secure-envoy-metrics): 2 of 37 scrape(s) failed while certificates rotated, the first at 2026-12-03T08:00:50.000Z",
    );
    expect(v.evidence.slice(1)).toEqual([
      "up 0 at 2026-12-03T08:00:50.000Z",
      "up 0 at 2026-12-03T08:01:00.000Z",
    ]);
    // The evidence names five failed scrapes at most.
    const down = judgeContinuity(TARGET, every(0, 180, 5, "0"), 185, 5);
    expect(down).toMatchObject({ verdict: "fail", probe: "scrape-continuity" });
    expect(down.evidence).toHaveLength(6);
  });

  it("fails on a gap longer than two intervals, and passes one of exactly two", () => {
    const gap = [...every(0, 60, 5), ...every(71, 180, 5)];
    const v = judgeContinuity(TARGET, gap, 185, 5);
    expect(v).toMatchObject({ verdict: "fail", probe: "scrape-continuity" });
    expect(v.summary).toBe(
      "ssc-rotation/httpbin-5d8-x (job istio-secure-envoy-metrics): no scrape for 11.0s after 2026-12-03T08:01:00.000Z, more than two 5s intervals",
    );
    const two = [...every(0, 60, 5), ...every(70, 180, 5)];
    expect(judgeContinuity(TARGET, two, 185, 5).verdict).toBe("pass");
    // The largest gap is the one named, wherever it is.
    const twoGaps = [...every(0, 30, 5), ...every(42, 60, 6), ...every(75, 180, 5)];
    // Of two equal gaps, the first is named.
    const equalGaps = [...every(0, 30, 5), ...every(45, 100, 5), ...every(115, 180, 5)];
    expect(judgeContinuity(TARGET, equalGaps, 185, 5).summary).toMatch(
      /no scrape for 15\.0s after 2026-12-03T08:00:30\.000Z/,
    );
    expect(judgeContinuity(TARGET, twoGaps, 185, 5).summary).toMatch(
      /no scrape for 15\.0s after 2026-12-03T08:01:00\.000Z/,
    );
  });

  it("fails when the scrapes do not span the window (a gap at its start or end), with three intervals of slack", () => {
    const v = judgeContinuity(TARGET, every(30, 180, 5), 185, 5);
    expect(v).toMatchObject({ verdict: "fail", probe: "scrape-continuity" });
    expect(v.summary).toBe(
      "ssc-rotation/httpbin-5d8-x (job istio-secure-envoy-metrics): scrapes span 150.0s of the 185s window: a gap longer than two 5s intervals at its start or end",
    );
    expect(judgeContinuity(TARGET, every(0, 170, 5), 185, 5).verdict).toBe("pass");
    expect(judgeContinuity(TARGET, every(0, 165, 5), 185, 5).verdict).toBe("fail");
  });

  it("is an error with no sample at all: the target may not be discovered under these labels", () => {
    expect(judgeContinuity(TARGET, [], 185, 5)).toEqual({
      probe: "scrape-continuity",
      verdict: "error",
      summary:
        "ssc-rotation/httpbin-5d8-x (job istio-secure-envoy-metrics): no up sample in the last 185s: is the target discovered?",
      evidence: [],
    });
  });
});
