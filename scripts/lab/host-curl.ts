import { execa } from "execa";
import semver from "semver";
import { PROBE_CLIENT } from "../catalog/images.ts";
import { InfrastructureError } from "../errors.ts";

// The lab runs the probes' command lines with this machine's curl; the cluster runs them from the
// probe-client image. The lab proves what the cluster runs only with a curl of the same or a newer
// version (--write-out %{certs} needs 7.88), so selftest records it and refuses an older one.

/** The curl version the probe-client image ships, from its tag (curlimages/curl:<version>@...). */
export const PROBE_CLIENT_CURL = /:(\d+\.\d+\.\d+)@/.exec(PROBE_CLIENT.image)![1]!;

/** The version in `curl --version`'s first line ("curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/..."). */
export function curlVersionOf(firstLine: string): string | undefined {
  return /^curl (\d+\.\d+\.\d+)\b/.exec(firstLine.trim())?.[1];
}

/** Whether a curl of this version runs the probes as the probe client does. */
export const curlCoversProbeClient = (version: string): boolean => semver.gte(version, PROBE_CLIENT_CURL);

/** This machine's curl, checked against the probe client's: its `--version` first line. */
export async function hostCurl(): Promise<string> {
  const r = await execa("curl", ["--version"], { reject: false, timeout: 10_000 });
  const line = String(r.stdout).split("\n")[0]?.trim() ?? "";
  const version = curlVersionOf(line);
  if (!version) {
    throw new InfrastructureError(
      `cannot run the lab: no usable curl on PATH (${line || r.shortMessage}); install curl >= ${PROBE_CLIENT_CURL}`,
    );
  }
  if (!curlCoversProbeClient(version)) {
    throw new InfrastructureError(
      `cannot run the lab: this machine's curl ${version} is older than the probe client's ${PROBE_CLIENT_CURL}, so the lab would not prove what the cluster runs; install curl >= ${PROBE_CLIENT_CURL}`,
    );
  }
  return line;
}
