import { describe, expect, it } from "vitest";
import { seenAnswer, seenFailure } from "../testing/curl-output.ts";
import { judgeMeshPeerScrape, MESH_PEER_PREDICTION } from "./mesh-peer.ts";

const res = (status: number, body = "# TYPE envoy_server_live gauge\n") => seenAnswer(body, status);

const url = "https://10.0.0.5:15092/stats/prometheus";
const peerId = "spiffe://cluster.local/ns/ssc-peer/sa/mesh-peer";
const RESET = seenFailure(56, "curl: (56) Recv failure: Connection reset by peer");

describe("the any-mesh-identity finding", () => {
  it("states what it predicts: the mesh, not Prometheus, and what limits access instead", () => {
    expect(MESH_PEER_PREDICTION).toMatch(/^the secure ports authenticate the mesh, not Prometheus/);
    expect(MESH_PEER_PREDICTION).toContain("no SAN check on 15091/15092");
    expect(MESH_PEER_PREDICTION).toContain("(a NetworkPolicy), not the listener");
  });

  it("holds when the peer gets 200 beside Prometheus, and says what limits access instead", () => {
    const v = judgeMeshPeerScrape({ url, prometheus: res(200), peer: res(200), peerId });
    expect(v.verdict).toBe("pass");
    expect(v.probe).toBe("mesh-peer");
    expect(v.summary).toBe(`as predicted, ${peerId} got 200 from ${url}: ${MESH_PEER_PREDICTION}`);
    expect(v.evidence).toEqual([
      `Prometheus's own certificate: ${url}: HTTP 200`,
      `${peerId}: ${url}: HTTP 200`,
    ]);
  });

  it("is contradicted when the listener refuses the peer while Prometheus gets in", () => {
    for (const refused of [RESET, seenFailure(35, "curl: (35) alert bad certificate")]) {
      const v = judgeMeshPeerScrape({ url, prometheus: res(200), peer: refused, peerId });
      expect(v.verdict).toBe("fail");
      expect(v.probe).toBe("mesh-peer");
      expect(v.summary).toMatch(/^finding contradicted: .* refused spiffe:\/\/cluster\.local\/ns\/ssc-peer/);
    }
  });

  it("cannot tell without Prometheus's own 200, or on an answer that is neither", () => {
    for (const prometheus of [res(404, ""), res(503, ""), RESET, seenFailure(28, "timed out")]) {
      const v = judgeMeshPeerScrape({ url, prometheus, peer: res(200), peerId });
      expect(v.verdict).toBe("error");
      expect(v.probe).toBe("mesh-peer");
      expect(v.summary).toMatch(/^could not show .* alive with Prometheus's certificate/);
    }
    for (const peer of [
      res(403, ""),
      res(500, ""),
      seenFailure(28, "timed out"),
      seenFailure(58, "curl: (58) unable to set private key file"),
    ]) {
      const v = judgeMeshPeerScrape({ url, prometheus: res(200), peer, peerId });
      expect(v.verdict, JSON.stringify(peer)).toBe("error");
      expect(v.probe).toBe("mesh-peer");
      expect(v.summary).toMatch(/^could not tell whether a mesh peer can scrape: spiffe/);
    }
  });
});
