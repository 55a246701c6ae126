import type { V1Status } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { WRITE_OUT_MARK as MARK } from "../testing/curl-output.ts";
import { curlArgv, parseCurl } from "./curl.ts";
import { type ExecLike, exitCodeOf, podRunner } from "./runners.ts";

describe("curl command construction", () => {
  it("sends the mesh client's files over https without host-name checks", () => {
    expect(
      curlArgv({
        url: "https://10.0.0.5:15092/stats/prometheus",
        tls: {
          ca: "/etc/istio-certs/root-cert.pem",
          cert: "/etc/istio-certs/cert-chain.pem",
          key: "/etc/istio-certs/key.pem",
        },
        timeoutMs: 5000,
      }),
    ).toEqual([
      "curl",
      "-sS",
      "--max-time",
      "5",
      "--insecure",
      "--cacert",
      "/etc/istio-certs/root-cert.pem",
      "--cert",
      "/etc/istio-certs/cert-chain.pem",
      "--key",
      "/etc/istio-certs/key.pem",
      "--write-out",
      "\n--ssc-write-out--\n%{http_code}",
      "https://10.0.0.5:15092/stats/prometheus",
    ]);
  });

  it("sends no TLS options for plain http and asks for certificates only when told", () => {
    const plain = curlArgv({ url: "http://10.0.0.5:15091/x", tls: { cert: "c", key: "k" }, timeoutMs: 300 });
    expect(plain).not.toContain("--cert");
    expect(plain).toContain("1"); // max-time rounds up to at least a second
    expect(curlArgv({ url: "https://h/x", timeoutMs: 1000, peerCertificate: true }).join(" ")).toContain(
      "%{certs}",
    );
  });
});

describe("curl output parsing", () => {
  it("splits body, status and peer certificate", () => {
    const r = parseCurl({
      exitCode: 0,
      stdout:
        "# TYPE x counter\nx 1\n\n--ssc-write-out--\n200\nSubject:\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
      stderr: "",
    });
    expect(r).toMatchObject({ outcome: "response", status: 200, body: "# TYPE x counter\nx 1\n" });
    expect(r.peerCertificates).toEqual(["-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----"]);
  });

  it.each([
    [7, "refused"],
    [28, "timeout"],
    [35, "rejected"],
    [52, "rejected"],
    [56, "rejected"],
    [58, "client-error"],
    [127, "client-error"],
  ])("classifies exit %i as %s", (exitCode, outcome) => {
    expect(parseCurl({ exitCode, stdout: "\n--ssc-write-out--\n000", stderr: "curl: (x) y" }).outcome).toBe(
      outcome,
    );
  });
});

describe("pod exec runner", () => {
  it("execs the argv in the named container and takes the exit code from the status", async () => {
    const calls: unknown[][] = [];
    const fake: ExecLike = {
      exec: async (...args: Parameters<ExecLike["exec"]>) => {
        calls.push(args.slice(0, 4));
        const [, , , , stdout, , , , done] = args;
        (stdout as NodeJS.WritableStream).write("body");
        done?.({
          status: "Failure",
          details: { causes: [{ reason: "ExitCode", message: "56" }] },
        } as V1Status);
        return {} as Awaited<ReturnType<ExecLike["exec"]>>;
      },
    };
    const run = podRunner(fake, {
      namespace: "ssc-prometheus",
      pod: "prometheus-abc",
      container: "istio-proxy",
    });
    const r = await run(["curl", "-sS", "https://10.0.0.5:15092/"]);
    expect(calls).toEqual([
      ["ssc-prometheus", "prometheus-abc", "istio-proxy", ["curl", "-sS", "https://10.0.0.5:15092/"]],
    ]);
    expect(r).toEqual({ exitCode: 56, stdout: "body", stderr: "" });
  });

  it("reads Success as 0 and a status without a code as 126", () => {
    expect(exitCodeOf({ status: "Success" })).toBe(0);
    expect(exitCodeOf({ status: "Failure", message: "container not found" })).toBe(126);
  });
});

describe("curl output parsing, edge by edge", () => {
  it("reads an empty body, and a body with the mark's text inside it, up to the last mark", () => {
    expect(parseCurl({ exitCode: 0, stdout: `${MARK}204`, stderr: "" })).toMatchObject({
      body: "",
      status: 204,
    });
    const tricky = parseCurl({ exitCode: 0, stdout: `a${MARK}b${MARK}200`, stderr: "" });
    expect(tricky).toMatchObject({ body: `a${MARK}b`, status: 200 });
  });

  it("has no status without a response, or without a usable code", () => {
    expect(parseCurl({ exitCode: 56, stdout: `${MARK}200`, stderr: "" }).status).toBeUndefined();
    expect(parseCurl({ exitCode: 0, stdout: `${MARK}000`, stderr: "" }).status).toBeUndefined();
    const noMark = parseCurl({ exitCode: 0, stdout: "partial", stderr: "" });
    expect(noMark).toMatchObject({ body: "partial", status: undefined, peerCertificates: [] });
    // A body that happens to hold digits where a write-out would start is still no status.
    const digits = parseCurl({ exitCode: 0, stdout: `${"x".repeat(MARK.length - 1)}200`, stderr: "" });
    expect(digits.status).toBeUndefined();
  });

  it("says what happened: curl's own message, else the status, else the exit code", () => {
    expect(
      parseCurl({ exitCode: 7, stdout: `${MARK}000`, stderr: "curl: (7) Failed to connect\n" }).message,
    ).toBe("curl: (7) Failed to connect");
    expect(parseCurl({ exitCode: 0, stdout: `x${MARK}403`, stderr: "" }).message).toBe("HTTP 403");
    expect(parseCurl({ exitCode: 52, stdout: `${MARK}000`, stderr: "" }).message).toBe("curl exit 52");
    expect(parseCurl({ exitCode: 0, stdout: "x", stderr: "" }).message).toBe("curl exit 0");
  });

  it("collects every certificate of the chain, leaf first", () => {
    const pem = (x: string) => `-----BEGIN CERTIFICATE-----\n${x}\n-----END CERTIFICATE-----`;
    const r = parseCurl({
      exitCode: 0,
      stdout: `m${MARK}200\nSubject:\n${pem("LEAF")}\nIssuer:\n${pem("MID")}\n`,
      stderr: "",
    });
    expect(r.peerCertificates).toEqual([pem("LEAF"), pem("MID")]);
    // Certificates are read from the write-out only, never from the body.
    expect(
      parseCurl({ exitCode: 0, stdout: `${pem("BODY")}${MARK}200`, stderr: "" }).peerCertificates,
    ).toEqual([]);
  });
});
