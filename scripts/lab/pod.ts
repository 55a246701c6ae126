import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { TLSSocket } from "node:tls";
import type { KeyAndCert } from "./pki.ts";

// A lab "pod": the four metrics endpoints of an Istio sidecar, on a loopback address of its own.
// - 15090 Envoy stats and 15020 agent (merged) stats in plaintext;
// - 15091 / 15092, Envoy-like secure listeners: TLS only, client certificate required and chained to
//   the mesh root, routing /stats/prometheus (and /metrics on 15092) to 15090 / 15020 from inside
//   the pod, like the bootstrap listeners (istio-facts.md §2.3).
// "Inside the pod" is a second loopback address (local): METRICS_LOCALHOST_ACCESS_ONLY binds 15090
// there only and answers 403 on 15020 to anything else (§2.4). Each fault of the catalog is one
// switch below that breaks exactly one of these behaviours.
export interface PodFaults {
  /** 15092 speaks plain HTTP instead of TLS. */
  securePortPlaintext?: boolean;
  /** The secure listeners do not require a client certificate. */
  clientCertOptional?: boolean;
  /** The secure listeners also trust this foreign root (PEM). */
  alsoTrust?: string;
  /** 15090 listens on the pod address although hardened. */
  envoyStatsExposed?: boolean;
  /** 15020 answers non-local peers although hardened. */
  agentAnswersRemote?: boolean;
  /** 15092 has no route for /stats/prometheus. */
  secureRouteMissing?: boolean;
  /** 15092 speaks TLS and, on the same port, plain HTTP too, answering this. */
  plaintextAlso?: { status: number; body: string };
  /** The secure listeners present this certificate (e.g. the right SPIFFE id from another CA). */
  serverCertOverride?: KeyAndCert;
  /** 15091 routes to the agent (15020) instead of Envoy's admin. */
  envoyPortServesAgent?: boolean;
  /** 15091 routes every path to Envoy's admin, /config_dump and /clusters included. */
  adminExposed?: boolean;
  /** The app exports a family Envoy exports too, so the agent's merge declares it twice. */
  duplicateFamily?: boolean;
  /** The agent counts failed Envoy scrapes (istio_agent_scrape_failures_total{type="envoy"} 2)
   * while its merged output still answers 200. */
  agentScrapeFailures?: boolean;
  /** The agent merges no app metrics although the pod announces them (prometheus.io/port): its
   * 15020, and 15092 through it, serve Envoy's and the agent's series only. */
  appNotMerged?: boolean;
  /** The secure listeners accept only a client certificate carrying this SPIFFE id (a SAN check
   * Istio's listeners do not have): any other mesh identity is cut off after the handshake. */
  onlyClientIdentity?: string;
  /** After every second certificate rotation, each of Prometheus's connections to the secure
   * listeners has its next scrape answered 503, as a listener that drops its traffic while it swaps
   * certificates would. Per connection (each scrape job keeps its own) and counted, not timed: a
   * timed window can miss every scrape of a job, or catch them all, when their phases lock. Every
   * second one, not each: when a loaded machine stretches the 1 s scrapes towards the 2 s rotations,
   * each scrape would follow a rotation and the target would never show UP at all. */
  failScrapeAfterRotation?: boolean;
}

export interface PodSpec {
  name: string;
  namespace: string;
  /** Pod IP, e.g. 127.0.0.2. */
  ip: string;
  /** The pod's own loopback, e.g. 127.0.1.2. */
  local: string;
  serverCert: KeyAndCert;
  meshRoot: string;
  hardened: boolean;
  faults?: PodFaults;
  /** Body of 15090 (Envoy) and, with agent metrics, of 15020. */
  envoyStats: string;
  appStats?: string;
}

export const METRICS_PORTS = { envoy: 15090, agent: 15020, secureEnvoy: 15091, secureMerged: 15092 } as const;

export interface RunningPod {
  spec: PodSpec;
  /** New connections to the secure listeners get this certificate, as an SDS push gives Envoy's
   * listeners a new one without a restart. */
  rotate(cert: KeyAndCert): void;
  stop(): Promise<void>;
}

function listen(server: http.Server, host: string, port: number): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/** The Content-Type each real endpoint sends (istio-facts.md, "Prometheus v3"): Envoy's admin
 * (15090, and 15091 through it) and istio-agent (15020, and 15092 through it). Prometheus v3 fails a
 * scrape with a blank or unknown one, so the lab sends what the cluster's targets send. */
export const CONTENT_TYPE = {
  envoy: "text/plain; charset=UTF-8",
  agent: "text/plain; version=0.0.4; charset=utf-8",
} as const;

const text = (res: http.ServerResponse, status: number, body: string, type: string = CONTENT_TYPE.agent) => {
  res.writeHead(status, { "content-type": type });
  res.end(body);
};

/** Forwards GET to the pod's own loopback, as Envoy forwards to 127.0.0.1:15000/15020. */
function forward(spec: PodSpec, port: number, path: string, res: http.ServerResponse): void {
  const req = http.request(
    { host: spec.local, localAddress: spec.local, port, path, method: "GET" },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  req.on("error", (e) =>
    text(res, 503, `upstream connect error or disconnect/reset before headers. reset reason: ${e.message}`),
  );
  req.end();
}

export async function startPod(spec: PodSpec): Promise<RunningPod> {
  const f = spec.faults ?? {};
  const servers: (http.Server | net.Server)[] = [];
  const app = `${f.appNotMerged ? "" : (spec.appStats ?? "")}${f.duplicateFamily ? "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n" : ""}`;
  // The agent's own counters as Istio's agent writes them (pilot/cmd/pilot-agent/metrics): every
  // request counted, failures only once one is (the fault counts two failed Envoy scrapes).
  let scrapes = 0;
  const agentBody = () =>
    `${spec.envoyStats}# TYPE istio_agent_scrapes_total counter\nistio_agent_scrapes_total ${++scrapes}\n${
      f.agentScrapeFailures
        ? '# TYPE istio_agent_scrape_failures_total counter\nistio_agent_scrape_failures_total{type="envoy"} 2\n'
        : ""
    }${app}`;

  const envoy = (_req: http.IncomingMessage, res: http.ServerResponse) =>
    text(res, 200, spec.envoyStats, CONTENT_TYPE.envoy);
  const agent = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (spec.hardened && !f.agentAnswersRemote && req.socket.remoteAddress !== spec.local) {
      return text(res, 403, "Only requests from localhost are allowed\n");
    }
    text(res, 200, agentBody());
  };
  // failScrapeAfterRotation: the rotation each of Prometheus's connections last saw.
  let rotations = 0;
  const seen = new WeakMap<object, number>();
  const failsAfterRotation = (req: http.IncomingMessage): boolean => {
    if (!f.failScrapeAfterRotation || !req.headers["user-agent"]?.startsWith("Prometheus/")) return false;
    const last = seen.get(req.socket) ?? rotations;
    seen.set(req.socket, rotations);
    // A rotation to an even count since this connection's last scrape.
    return last < rotations && (rotations % 2 === 0 || last < rotations - 1);
  };
  const secure =
    (routes: string[], upstream: number) => (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (failsAfterRotation(req)) return text(res, 503, "no healthy upstream");
      const path = req.url ?? "/";
      if (!routes.some((r) => path.startsWith(r))) return text(res, 404, "");
      forward(spec, upstream, path, res);
    };
  let serverCert = f.serverCertOverride ?? spec.serverCert;
  const secureServers: https.Server[] = [];
  /** A TLS server for a secure listener, with the SAN check when the fault asks for one. */
  const secureServer = (handler: http.RequestListener): https.Server => {
    const server = https.createServer(tls(), handler);
    secureServers.push(server);
    const only = f.onlyClientIdentity;
    if (only) {
      server.prependListener("secureConnection", (socket: TLSSocket) => {
        const san = socket.getPeerCertificate().subjectaltname ?? "";
        if (!san.split(", ").includes(`URI:${only}`)) socket.destroy();
      });
    }
    return server;
  };
  const tls = (): https.ServerOptions => ({
    key: serverCert.keyPem,
    cert: serverCert.certPem,
    ca: [spec.meshRoot, ...(f.alsoTrust ? [f.alsoTrust] : [])],
    requestCert: !f.clientCertOptional,
    rejectUnauthorized: !f.clientCertOptional,
  });

  try {
    const envoyHosts = spec.hardened && !f.envoyStatsExposed ? [spec.local] : [spec.local, spec.ip];
    for (const h of envoyHosts) servers.push(await listen(http.createServer(envoy), h, METRICS_PORTS.envoy));
    for (const h of [spec.local, spec.ip])
      servers.push(await listen(http.createServer(agent), h, METRICS_PORTS.agent));
    servers.push(
      await listen(
        secureServer(
          secure(
            f.adminExposed ? ["/"] : ["/stats/prometheus"],
            f.envoyPortServesAgent ? METRICS_PORTS.agent : METRICS_PORTS.envoy,
          ),
        ),
        spec.ip,
        METRICS_PORTS.secureEnvoy,
      ),
    );
    const mergedRoutes = f.secureRouteMissing ? ["/metrics"] : ["/stats/prometheus", "/metrics"];
    const merged = secure(mergedRoutes, METRICS_PORTS.agent);
    if (f.plaintextAlso) {
      const also = f.plaintextAlso;
      const plain = http.createServer((_q, res) => text(res, also.status, also.body));
      const secured = secureServer(merged);
      servers.push(plain, secured, await listenDual(secured, plain, spec.ip, METRICS_PORTS.secureMerged));
    } else {
      servers.push(
        await listen(
          f.securePortPlaintext ? http.createServer(merged) : secureServer(merged),
          spec.ip,
          METRICS_PORTS.secureMerged,
        ),
      );
    }
  } catch (e) {
    await closeAll(servers);
    throw e;
  }
  const rotate = (cert: KeyAndCert) => {
    serverCert = cert;
    for (const s of secureServers) s.setSecureContext(tls());
    rotations++;
  };
  return { spec, rotate, stop: () => closeAll(servers) };
}

/** One port, two protocols: a TLS ClientHello (first byte 0x16) goes to the TLS server, anything
 * else to the plain one, as a listener with a plaintext filter chain beside its TLS one would. */
function listenDual(
  secured: https.Server,
  plain: http.Server,
  host: string,
  port: number,
): Promise<net.Server> {
  const front = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.once("readable", () => {
      const first = socket.read(1) as Buffer | null;
      if (!first) return socket.destroy();
      socket.unshift(first);
      (first[0] === 0x16 ? secured : plain).emit("connection", socket);
    });
    socket.resume();
    socket.pause();
  });
  return new Promise((resolve, reject) => {
    front.once("error", reject);
    front.listen(port, host, () => resolve(front));
  });
}

async function closeAll(servers: (http.Server | net.Server)[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if ("closeAllConnections" in s) s.closeAllConnections();
          if (!s.listening) return resolve();
          s.close(() => resolve());
        }),
    ),
  );
}

/** A lab ztunnel: its metrics endpoint on 15020/metrics, serving the given exposition text. */
export async function startZtunnel(ip: string, body: string): Promise<{ ip: string; stop(): Promise<void> }> {
  const s = await listen(
    http.createServer((_q, res) => text(res, 200, body)),
    ip,
    METRICS_PORTS.agent,
  );
  return { ip, stop: () => closeAll([s]) };
}
