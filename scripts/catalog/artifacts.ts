import { compareMinors } from "./minors.ts";
// Download locations of the tools a cell needs. Every artifact has a published checksum that the
// tool manager verifies before first use (istio-facts.md §4.4: `<artifact>.sha256` in sha256sum
// format; kind publishes `<binary>.sha256sum`).
export type Os = "linux" | "osx";
export type Arch = "amd64" | "arm64";

export interface Artifact {
  url: string;
  sha256Url: string;
  fileName: string;
}

export function istioctlArtifact(version: string, os: Os, arch: Arch): Artifact {
  const fileName = `istioctl-${version}-${os}-${arch}.tar.gz`;
  const url = `https://github.com/istio/istio/releases/download/${version}/${fileName}`;
  return { url, sha256Url: `${url}.sha256`, fileName };
}

export function kindArtifact(kindVersion: string, os: Os, arch: Arch): Artifact {
  // kind names its macOS binaries "darwin", unlike Istio's "osx".
  const fileName = `kind-${os === "osx" ? "darwin" : "linux"}-${arch}`;
  const url = `https://github.com/kubernetes-sigs/kind/releases/download/${kindVersion}/${fileName}`;
  return { url, sha256Url: `${url}.sha256sum`, fileName };
}

// Gateway API CRDs each Istio minor was built against (its go.mod; istio-facts.md §4.3).
const GATEWAY_API_BY_MINOR: Record<string, string> = {
  "1.22": "v1.1.0",
  "1.23": "v1.1.0",
  "1.24": "v1.2.1",
  "1.25": "v1.2.1",
  "1.26": "v1.3.0",
  "1.27": "v1.3.0",
  "1.28": "v1.4.1",
  "1.29": "v1.4.1",
  "1.30": "v1.5.1",
  "1.31": "v1.6.0",
};

/** An unlisted minor newer than the catalog (--allow-unlisted-istio) borrows the newest known
 * minor's Gateway API, as it borrows its Kubernetes range. */
export function gatewayApiVersionFor(istioMinor: string): string {
  const v = GATEWAY_API_BY_MINOR[istioMinor];
  if (v) return v;
  const known = Object.keys(GATEWAY_API_BY_MINOR).sort(compareMinors);
  const newest = known.at(-1)!;
  if (compareMinors(istioMinor, newest) > 0) return GATEWAY_API_BY_MINOR[newest]!;
  throw new Error(`no Gateway API version recorded for Istio ${istioMinor}`);
}

export function gatewayApiCrdsUrl(gatewayApiVersion: string): string {
  return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${gatewayApiVersion}/standard-install.yaml`;
}
