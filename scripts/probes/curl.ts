// Every HTTP probe is one curl invocation, built here and parsed here, whether curl runs on this
// machine (lab, `ssc probe`) or inside a pod through `kubectl exec` (conformance). So the code the
// lab proves is the code the cluster runs.
export interface ClientTls {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface CurlRequest {
  url: string;
  /** Client certificate files; absent for plaintext and certificate-less requests. */
  tls?: ClientTls;
  timeoutMs: number;
  /** Ask curl for the server's certificate chain (PEM) in its write-out. */
  peerCertificate?: boolean;
}

export type Outcome =
  | "response" // an HTTP response arrived
  | "refused" // nothing listening (curl 7)
  | "rejected" // connection closed/reset or TLS alert: the peer refused this client
  | "timeout" // no answer in time: the probe cannot tell
  | "client-error"; // curl itself could not run the request (bad file, DNS, exec failure)

export interface CurlResult {
  outcome: Outcome;
  exitCode: number;
  status?: number;
  body: string;
  message: string;
  /** The chain the server sent, leaf first, as PEM (with peerCertificate). */
  peerCertificates: string[];
}

const MARK = "\n--ssc-write-out--\n";

export function curlArgv(req: CurlRequest): string[] {
  const argv = ["curl", "-sS", "--max-time", String(Math.max(1, Math.ceil(req.timeoutMs / 1000)))];
  if (req.url.startsWith("https://")) {
    // Istio certificates carry only a SPIFFE URI SAN: no host name can match. The identity
    // probe checks the SAN itself, which is the gap insecure_skip_verify leaves.
    argv.push("--insecure");
    if (req.tls?.ca) argv.push("--cacert", req.tls.ca);
    if (req.tls?.cert) argv.push("--cert", req.tls.cert);
    if (req.tls?.key) argv.push("--key", req.tls.key);
  }
  argv.push("--write-out", `${MARK}%{http_code}${req.peerCertificate ? "\n%{certs}" : ""}`, req.url);
  return argv;
}

// curl exit codes: https://curl.se/libcurl/c/libcurl-errors.html
function classify(exitCode: number): Outcome {
  if (exitCode === 0) return "response";
  if (exitCode === 7) return "refused";
  if (exitCode === 28) return "timeout";
  // 35 SSL connect error (incl. alerts), 52 empty reply, 55/56 send/recv failure (reset, alert),
  // 16 HTTP/2 framing, 8 weird reply (plain HTTP answered by a TLS port), 1 unsupported protocol.
  if ([1, 8, 16, 35, 52, 55, 56].includes(exitCode)) return "rejected";
  return "client-error";
}

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Every PEM certificate in a text, in order. */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => m[0]);
}

export function parseCurl(r: ProcessResult): CurlResult {
  const at = r.stdout.lastIndexOf(MARK);
  // Without the mark curl never got as far as its write-out: everything it printed is body.
  const body = at < 0 ? r.stdout : r.stdout.slice(0, at);
  // Stryker disable next-line ArrayDeclaration: equivalent, any code without a mark parses to no status
  const [code, ...certs] = at < 0 ? [] : r.stdout.slice(at + MARK.length).split("\n");
  const outcome = classify(r.exitCode);
  // An HTTP status only for a response ("000", garbage or no write-out are none).
  const status = outcome === "response" ? Number.parseInt(String(code), 10) || undefined : undefined;
  return {
    outcome,
    exitCode: r.exitCode,
    status,
    body,
    message: r.stderr.trim() || (status ? `HTTP ${status}` : `curl exit ${r.exitCode}`),
    peerCertificates: pemBlocks(certs.join("\n")),
  };
}

/** Runs argv somewhere (this machine, or a pod) and returns its exit code and output. */
export type CommandRunner = (argv: readonly string[]) => Promise<ProcessResult>;

export async function curl(run: CommandRunner, req: CurlRequest): Promise<CurlResult> {
  return parseCurl(await run(curlArgv(req)));
}

export function describeResult(url: string, r: CurlResult): string {
  return r.outcome === "response" ? `${url}: HTTP ${r.status}` : `${url}: ${r.outcome} (${r.message})`;
}
