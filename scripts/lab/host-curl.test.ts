import { describe, expect, it } from "vitest";
import { curlCoversProbeClient, curlVersionOf, PROBE_CLIENT_CURL } from "./host-curl.ts";

// `curl --version` first lines as the tools print them: Debian bookworm's (this machine), the
// probe-client image's (curlimages, musl) and Ubuntu jammy's (inside Istio 1.22's proxyv2).
describe("the lab's curl against the probe client's", () => {
  it("reads the version from curl --version", () => {
    expect(
      curlVersionOf(
        "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/3.0.19 zlib/1.2.13 brotli/1.0.9 zstd/1.5.4",
      ),
    ).toBe("7.88.1");
    expect(curlVersionOf("curl 8.11.1 (x86_64-pc-linux-musl) libcurl/8.11.1 OpenSSL/3.3.2")).toBe("8.11.1");
    expect(curlVersionOf("curl 7.81.0 (x86_64-pc-linux-gnu) libcurl/7.81.0 OpenSSL/3.0.2")).toBe("7.81.0");
    expect(curlVersionOf("bash: curl: command not found")).toBeUndefined();
    expect(curlVersionOf("")).toBeUndefined();
  });

  it("takes the same or a newer curl than the probe client's, never an older one", () => {
    expect(PROBE_CLIENT_CURL).toBe("7.88.1");
    expect(curlCoversProbeClient("7.88.1")).toBe(true);
    expect(curlCoversProbeClient("8.11.1")).toBe(true);
    expect(curlCoversProbeClient("7.88.0")).toBe(false);
    expect(curlCoversProbeClient("7.81.0")).toBe(false);
  });
});
