import { describe, expect, it } from "vitest";
import { SIDECAR_LISTENER_ROWS_UNHARDENED, tabwrite } from "../lab/golden.ts";
import { upstreamOutput } from "../testing/goldens.ts";
import {
  bootstrapAddresses,
  checkListeners,
  checkZtunnelWorkloads,
  LISTENER_COLUMNS,
  parseTable,
  secureListenerExpectations,
  ztunnelColumns,
} from "./istioctl-output.ts";

// The golden sidecar rows, with 15090 on 0.0.0.0 as without METRICS_LOCALHOST_ACCESS_ONLY.
const SIDECAR = SIDECAR_LISTENER_ROWS_UNHARDENED.map((r) => [...r]);

describe("istioctl proxy-config listeners", () => {
  it("parses tabwriter output with one-space gaps and spaces inside cells", () => {
    const rows = parseTable(tabwrite(SIDECAR), ["ADDRESSES", "PORT", "MATCH", "DESTINATION"]);
    expect(Array.isArray(rows) && rows.find((r) => r.PORT === "15092")).toEqual({
      ADDRESSES: "0.0.0.0",
      PORT: "15092",
      MATCH: "Trans: tls",
      DESTINATION: "Inline Route: /stats/prometheus*, /metrics*",
    });
  });

  it("passes on the secure rows, fails when one is missing or differs", () => {
    expect(checkListeners(tabwrite(SIDECAR), secureListenerExpectations(false, [])).verdict).toBe("pass");
    const missing = checkListeners(
      tabwrite(SIDECAR.filter((r) => r[1] !== "15091")),
      secureListenerExpectations(false, []),
    );
    expect(missing.verdict).toBe("fail");
    expect(missing.summary).toContain("no listener on 15091");
    const plain = SIDECAR.map((r) => (r[1] === "15092" ? ["0.0.0.0", "15092", "ALL", r[3]!] : r));
    expect(checkListeners(tabwrite(plain), secureListenerExpectations(false, [])).summary).toMatch(
      /15092 is "0\.0\.0\.0 ALL/,
    );
  });

  it("expects 15090 on 127.0.0.1 when hardened", () => {
    expect(checkListeners(tabwrite(SIDECAR), secureListenerExpectations(true, [])).verdict).toBe("fail");
    const hardened = SIDECAR.map((r) => (r[1] === "15090" ? ["127.0.0.1", ...r.slice(1)] : r));
    expect(checkListeners(tabwrite(hardened), secureListenerExpectations(true, [])).verdict).toBe("pass");
  });

  it("is an error, not a pass, when the output is not a listener table", () => {
    expect(checkListeners('Error: pods "x" not found', secureListenerExpectations(false, [])).verdict).toBe(
      "error",
    );
  });
});

describe("istioctl ztunnel-config workloads", () => {
  const table = (addr: string, protocol: string) =>
    tabwrite([
      ["NAMESPACE", "POD NAME", addr, "NODE", "WAYPOINT", "PROTOCOL"],
      ["ssc-ambient", "httpbin-7f9d8c-abcde", "10.244.0.12", "ssc-control-plane", "None", "HBONE"],
      ["ssc-ambient", "prometheus-6c647c84c8-gpxt4", "10.244.0.13", "ssc-control-plane", "None", protocol],
      ["kube-system", "coredns-1", "10.244.0.2", "ssc-control-plane", "None", "TCP"],
    ]);
  const want = [
    { namespace: "ssc-ambient", podPrefix: "httpbin" },
    { namespace: "ssc-ambient", podPrefix: "prometheus" },
  ];

  it("reads ADDRESS (>= 1.24) and IP (< 1.24) layouts", () => {
    expect(checkZtunnelWorkloads(table("ADDRESS", "HBONE"), true, want).verdict).toBe("pass");
    expect(checkZtunnelWorkloads(table("IP", "HBONE"), false, want).verdict).toBe("pass");
    expect(checkZtunnelWorkloads(table("IP", "HBONE"), true, want).verdict).toBe("error");
  });

  it("fails when a workload is TCP or missing", () => {
    const tcp = checkZtunnelWorkloads(table("ADDRESS", "TCP"), true, want);
    expect(tcp.verdict).toBe("fail");
    expect(tcp.summary).toContain("prometheus-6c647c84c8-gpxt4 is TCP, not HBONE");
    const missing = checkZtunnelWorkloads(table("ADDRESS", "HBONE"), true, [
      { namespace: "x", podPrefix: "y" },
    ]);
    expect(missing.verdict).toBe("fail");
  });
});

// Istio's own goldens (testdata/README.md): the writers' real layout, not tables we typed.
const golden = upstreamOutput;

describe("istioctl outputs as Istio's goldens record them", () => {
  it("reads the listener table of proxy-config all @1.31.0-rc.0, empty addresses and all", () => {
    const rows = parseTable(golden("istioctl-pc-all-1.31.0-rc.0.txt"), LISTENER_COLUMNS);
    expect(Array.isArray(rows)).toBe(true);
    expect(rows).toHaveLength(5);
    expect((rows as Record<string, string>[])[0]).toEqual({
      ADDRESSES: "",
      PORT: "0",
      MATCH: "ALL",
      DESTINATION: "Cluster: inbound-vip|8100|http|httpbin.default.svc.cluster.local",
    });
    expect((rows as Record<string, string>[])[4]).toEqual({
      ADDRESSES: "0.0.0.0",
      PORT: "15021",
      MATCH: "ALL",
      DESTINATION: "Inline Route: /healthz/ready*",
    });
    // That sidecar has no secure ports: the check fails and says so, row by row.
    const v = checkListeners(
      golden("istioctl-pc-all-1.31.0-rc.0.txt"),
      secureListenerExpectations(false, []),
    );
    expect(v.verdict).toBe("fail");
    expect(v.summary).toBe("no listener on 15090; no listener on 15091; no listener on 15092");
  });

  it.each([
    ["ztunnel-workloads-1.22.0.txt", false],
    ["ztunnel-workloads-1.31.0-rc.0.txt", true],
  ])("reads %s (ADDRESS column: %s)", (file, address) => {
    const text = golden(file);
    const want = [{ namespace: "bookinfo", podPrefix: "details-v1" }];
    expect(checkZtunnelWorkloads(text, address, want)).toMatchObject({
      verdict: "pass",
      evidence: ["bookinfo/details-v1-698d88b-dqrbr HBONE"],
    });
    // A waypoint of that mesh speaks TCP: the check fails on it, and on the other version's header.
    expect(
      checkZtunnelWorkloads(text, address, [{ namespace: "bookinfo", podPrefix: "namespace-istio-waypoint" }])
        .verdict,
    ).toBe("fail");
    expect(checkZtunnelWorkloads(text, !address, want).verdict).toBe("error");
  });
});

describe("listener addresses by the pod's IP families", () => {
  // istioctl joins a listener's address and its additional addresses with "," (listener.go
  // L325-326 at 1.31.0-rc.0); only 15090 carries additional addresses in the bootstrap.
  const table = (a15090: string, aSecure: string) =>
    tabwrite(
      SIDECAR.map((r) =>
        r[1] === "15090"
          ? [a15090, ...r.slice(1)]
          : ["15091", "15092"].includes(r[1]!)
            ? [aSecure, ...r.slice(1)]
            : [...r],
      ),
    );
  const v4 = "10.244.0.7";
  const v6 = "fd00:10:244::7";

  it("reads the families as the bootstrap does: IPv4, IPv6, dual with or without ISTIO_DUAL_STACK", () => {
    expect(bootstrapAddresses([])).toEqual([{ primary: { localhost: "127.0.0.1", wildcard: "0.0.0.0" } }]);
    expect(bootstrapAddresses([v4])).toEqual([{ primary: { localhost: "127.0.0.1", wildcard: "0.0.0.0" } }]);
    expect(bootstrapAddresses([v6])).toEqual([{ primary: { localhost: "::1", wildcard: "::" } }]);
    expect(bootstrapAddresses([v4, v6])).toEqual([
      {
        primary: { localhost: "127.0.0.1", wildcard: "0.0.0.0" },
        additional: { localhost: "::1", wildcard: "::" },
      },
      { primary: { localhost: "127.0.0.1", wildcard: "0.0.0.0" } },
    ]);
    // IPv6 first and ISTIO_DUAL_STACK on: IPv6 is primary; off: the IPv4 pair all the same.
    expect(bootstrapAddresses([v6, v4])).toEqual([
      {
        primary: { localhost: "::1", wildcard: "::" },
        additional: { localhost: "127.0.0.1", wildcard: "0.0.0.0" },
      },
      { primary: { localhost: "127.0.0.1", wildcard: "0.0.0.0" } },
    ]);
  });

  it.each([
    ["IPv6-only", [v6], false, "::", "::"],
    ["IPv6-only, hardened", [v6], true, "::1", "::"],
    ["dual-stack, ISTIO_DUAL_STACK on", [v4, v6], false, "0.0.0.0,::", "0.0.0.0"],
    ["dual-stack, ISTIO_DUAL_STACK on, hardened", [v4, v6], true, "127.0.0.1,::1", "0.0.0.0"],
    ["dual-stack, ISTIO_DUAL_STACK off", [v4, v6], false, "0.0.0.0", "0.0.0.0"],
    ["dual-stack IPv6 first, ISTIO_DUAL_STACK on", [v6, v4], false, "::,0.0.0.0", "::"],
    ["dual-stack IPv6 first, ISTIO_DUAL_STACK off", [v6, v4], true, "127.0.0.1", "0.0.0.0"],
  ])("%s: passes with 15090 on %s and the secure ports on %s", (_n, ips, hardened, a15090, aSecure) => {
    const want = secureListenerExpectations(hardened, ips);
    expect(checkListeners(table(a15090, aSecure), want)).toMatchObject({ verdict: "pass" });
    // Secure listeners on loopback, or 15090 bound as the other hardening setting, fail.
    expect(checkListeners(table(a15090, "127.0.0.1"), want).verdict).toBe("fail");
    const flipped = a15090.replace("127.0.0.1", "0.0.0.0").replace("::1", "::");
    const other = flipped === a15090 ? a15090.replace("0.0.0.0", "127.0.0.1").replace("::", "::1") : flipped;
    expect(checkListeners(table(other, aSecure), want).verdict).toBe("fail");
  });

  it("a single-family pod's rows do not pass for the other family", () => {
    expect(checkListeners(table("::", "::"), secureListenerExpectations(false, [v4])).verdict).toBe("fail");
    expect(checkListeners(table("0.0.0.0", "0.0.0.0"), secureListenerExpectations(false, [v6])).verdict).toBe(
      "fail",
    );
  });

  it("a dual-stack address on a secure port is not what Istio renders: fails, naming both accepted forms", () => {
    const v = checkListeners(table("0.0.0.0,::", "0.0.0.0,::"), secureListenerExpectations(false, [v4, v6]));
    expect(v.verdict).toBe("fail");
    expect(v.summary).toContain('expected "0.0.0.0 Trans: tls Inline Route: /stats/prometheus*"');
    // 15090's dual-stack row is right there: only the secure ports are named.
    expect(v.summary).not.toContain("15090");
    // On an IPv4-only pod the dual-stack 15090 row is wrong too, and the message lists the choices.
    const single = checkListeners(table("0.0.0.0,::", "0.0.0.0"), secureListenerExpectations(false, [v4]));
    expect(single.summary).toBe(
      '15090 is "0.0.0.0,:: ALL Inline Route: /stats/prometheus*", expected "0.0.0.0 ALL Inline Route: /stats/prometheus*"',
    );
    const either = checkListeners(table("::", "0.0.0.0"), secureListenerExpectations(false, [v4, v6]));
    expect(either.summary).toBe(
      '15090 is ":: ALL Inline Route: /stats/prometheus*", expected "0.0.0.0,:: or 0.0.0.0 ALL Inline Route: /stats/prometheus*"',
    );
  });
});

describe("parseTable and the checks, edge by edge", () => {
  it("says which header it could not find, or which column is out of order", () => {
    expect(parseTable("Error: no pod", ["ADDRESSES", "PORT"])).toEqual({
      problem: "no header with columns ADDRESSES, PORT",
    });
    expect(parseTable("PORT ADDRESSES\n1 x", ["ADDRESSES", "PORT"])).toEqual({
      problem: "no header with columns ADDRESSES, PORT",
    });
  });

  it("reads CRLF output and stops at the first blank (or all-space) line after the header", () => {
    const crlf = "A  B\r\nx  y\r\n";
    expect(parseTable(crlf, ["A", "B"])).toEqual([{ A: "x", B: "y" }]);
    expect(parseTable("A  B\n   \nx  y", ["A", "B"])).toEqual([]);
    expect(parseTable("A  B\nx  y\n\nC  D\nz  w", ["A", "B"])).toEqual([{ A: "x", B: "y" }]);
    expect(parseTable("noise\nA  B\nx  y", ["A", "B"])).toEqual([{ A: "x", B: "y" }]);
    // A column name that appears earlier inside another one is matched in order.
    expect(parseTable("PORT  PORTS\n1     2", ["PORT", "PORTS"])).toEqual([{ PORT: "1", PORTS: "2" }]);
    // ...and one that appears inside the column before it is looked for after that column.
    expect(parseTable("PORTS  PORT\n1      2", ["PORTS", "PORT"])).toEqual([{ PORTS: "1", PORT: "2" }]);
  });

  const rows = (extra: string[][] = []) => tabwrite([...SIDECAR, ...extra]);

  it("passes with exactly the expected rows, naming the ports, with the rows as evidence", () => {
    const v = checkListeners(rows(), secureListenerExpectations(false, []));
    expect(v).toMatchObject({
      probe: "listeners",
      verdict: "pass",
      summary: "exactly the expected rows on 15090, 15091, 15092",
    });
    expect(v.evidence).toEqual([
      "0.0.0.0 | 15090 | ALL | Inline Route: /stats/prometheus*",
      "0.0.0.0 | 15091 | Trans: tls | Inline Route: /stats/prometheus*",
      "0.0.0.0 | 15092 | Trans: tls | Inline Route: /stats/prometheus*, /metrics*",
    ]);
  });

  it("fails on a plaintext filter chain beside the TLS one, saying which", () => {
    const v = checkListeners(
      rows([["0.0.0.0", "15092", "ALL", "Inline Route: /stats/prometheus*, /metrics*"]]),
      secureListenerExpectations(false, []),
    );
    expect(v).toMatchObject({ probe: "listeners", verdict: "fail" });
    expect(v.summary).toBe(
      '15092 has 2 filter chains, expected only "0.0.0.0 Trans: tls Inline Route: /stats/prometheus*, /metrics*": also "0.0.0.0 ALL Inline Route: /stats/prometheus*, /metrics*"',
    );
    expect(v.evidence).toHaveLength(4);
    const two = checkListeners(
      rows([
        ["0.0.0.0", "15092", "ALL", "Inline Route: /stats/prometheus*, /metrics*"],
        ["0.0.0.0", "15092", "Trans: raw_buffer", "Inline Route: /metrics*"],
      ]),
      secureListenerExpectations(false, []),
    );
    expect(two.summary).toMatch(
      /also "0\.0\.0\.0 ALL Inline Route: \/stats\/prometheus\*, \/metrics\*; 0\.0\.0\.0 Trans: raw_buffer Inline Route: \/metrics\*"$/,
    );
  });

  it("fails on a wrong destination, listing what is there", () => {
    const wrong = SIDECAR.map((r) =>
      r[1] === "15091" ? [r[0]!, r[1]!, r[2]!, "Inline Route: /other*"] : [...r],
    );
    const v = checkListeners(tabwrite(wrong), secureListenerExpectations(false, []));
    expect(v.summary).toBe(
      '15091 is "0.0.0.0 Trans: tls Inline Route: /other*", expected "0.0.0.0 Trans: tls Inline Route: /stats/prometheus*"',
    );
    const two = [...wrong, ["0.0.0.0", "15091", "ALL", "Inline Route: /x*"]];
    expect(checkListeners(tabwrite(two), secureListenerExpectations(false, [])).summary).toBe(
      '15091 is "0.0.0.0 Trans: tls Inline Route: /other*; 0.0.0.0 ALL Inline Route: /x*", expected "0.0.0.0 Trans: tls Inline Route: /stats/prometheus*"',
    );
    const several = checkListeners(
      tabwrite(SIDECAR.filter((r) => !["15091", "15092"].includes(r[1]!))),
      secureListenerExpectations(false, []),
    );
    expect(several.summary).toBe("no listener on 15091; no listener on 15092");
  });

  it("an unreadable table is an error naming the problem", () => {
    expect(checkListeners("Error: pods not found", secureListenerExpectations(false, []))).toEqual({
      probe: "listeners",
      verdict: "error",
      summary:
        "cannot read istioctl proxy-config listeners output: no header with columns ADDRESSES, PORT, MATCH, DESTINATION",
      evidence: [],
    });
    expect(checkZtunnelWorkloads("Error: x", true, [])).toEqual({
      probe: "ztunnel-workloads",
      verdict: "error",
      summary:
        "cannot read ztunnel-config workloads output: no header with columns NAMESPACE, POD NAME, ADDRESS, NODE, WAYPOINT, PROTOCOL",
      evidence: [],
    });
  });

  it("ztunnel workloads: every problem named, the probe named, on both layouts", () => {
    const table = tabwrite([
      ["NAMESPACE", "POD NAME", "ADDRESS", "NODE", "WAYPOINT", "PROTOCOL"],
      ["ssc-ambient", "httpbin-1", "10.0.0.1", "n", "None", "TCP"],
    ]);
    const v = checkZtunnelWorkloads(table, true, [
      { namespace: "ssc-ambient", podPrefix: "httpbin" },
      { namespace: "ssc-ambient", podPrefix: "prometheus" },
    ]);
    expect(v).toEqual({
      probe: "ztunnel-workloads",
      verdict: "fail",
      summary: "ssc-ambient/httpbin-1 is TCP, not HBONE; no workload ssc-ambient/prometheus-*",
      evidence: ["ssc-ambient/httpbin-1 TCP"],
    });
    const ok = tabwrite([
      ["NAMESPACE", "POD NAME", "IP", "NODE", "WAYPOINT", "PROTOCOL"],
      ["ssc-ambient", "httpbin-1", "10.0.0.1", "n", "None", "HBONE"],
    ]);
    expect(checkZtunnelWorkloads(ok, false, [{ namespace: "ssc-ambient", podPrefix: "httpbin" }])).toEqual({
      probe: "ztunnel-workloads",
      verdict: "pass",
      summary: "every expected workload uses HBONE",
      evidence: ["ssc-ambient/httpbin-1 HBONE"],
    });
    // The columns are the writers' own, in order (istioctl/pkg/writer/ztunnel/configdump).
    expect(ztunnelColumns(true)).toEqual([
      "NAMESPACE",
      "POD NAME",
      "ADDRESS",
      "NODE",
      "WAYPOINT",
      "PROTOCOL",
    ]);
    expect(ztunnelColumns(false)).toEqual(["NAMESPACE", "POD NAME", "IP", "NODE", "WAYPOINT", "PROTOCOL"]);
  });
});
