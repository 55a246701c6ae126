import { UsageError } from "./errors.ts";

// Every wait of a run has a name, a default and a reason, in one record (Gateway API's
// TimeoutConfig). `--timeout name=duration,...` overrides any of them on run, up and probe; an
// error names the budget that ran out. Nothing waits on a bare sleep.
export const TIMEOUTS = {
  download: { ms: 120_000, what: "one tool or remote-manifest download" },
  clusterCreate: {
    ms: 300_000,
    what: "kind create cluster (kind's own --wait is this minus a minute) or the k3s container",
  },
  istioReady: {
    ms: 300_000,
    what: "istioctl install --readiness-timeout, then the watch on istiod, CNI, ztunnel and gateways",
  },
  workloadReady: { ms: 240_000, what: "a scenario's Deployments, StatefulSets and DaemonSets to roll out" },
  gatewayEnv: {
    ms: 120_000,
    what: "istiod to give a Gateway API gateway's pod the ENVOY_SECURE_* env of its ProxyConfig",
  },
  request: { ms: 5_000, what: "one HTTP request of a probe (curl --max-time)" },
  consistency: {
    ms: 30_000,
    what: "an HTTP or istioctl probe to pass N times in a row (--consecutive-successes)",
  },
  targetsUp: {
    ms: 60_000,
    what: "a Prometheus target to be discovered and scraped UP N times in a row (>= 2 scrape intervals + discovery)",
  },
  promql: { ms: 60_000, what: "a PromQL query to return the expected series" },
  rotation: {
    ms: 240_000,
    what: "both ends of a secure scrape to rotate their certificates twice (a 3m SECRET_TTL rotates about every 90 s)",
  },
  tests: { ms: 1_200_000, what: "all tests of one cell (the vitest child process)" },
  teardown: { ms: 300_000, what: "deleting a cluster, a container or the objects a run made" },
  diagnostics: { ms: 60_000, what: "each diagnostics command (istioctl, log reads, kind export logs)" },
} as const satisfies Record<string, { ms: number; what: string }>;

export type TimeoutName = keyof typeof TIMEOUTS;
export type Timeouts = Record<TimeoutName, number>;
export const TIMEOUT_NAMES = Object.keys(TIMEOUTS) as TimeoutName[];

export const DEFAULT_TIMEOUTS: Timeouts = Object.fromEntries(
  TIMEOUT_NAMES.map((n) => [n, TIMEOUTS[n].ms]),
) as Timeouts;

/** How many times in a row a probe must pass (Gateway API's RequiredConsecutiveSuccesses). */
export const DEFAULT_CONSECUTIVE_SUCCESSES = 3;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** "90s", "10m", "1500ms", "1h" in milliseconds; anything else (or zero) is undefined. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT[m[2] as keyof typeof UNIT];
  return ms > 0 ? ms : undefined;
}

/** The shortest exact form, also a valid Go duration (kind --wait, istioctl --readiness-timeout). */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** `--timeout name=duration,...` over the defaults; bad input says the form and the names. */
export function timeoutsFrom(items: readonly string[], base: Timeouts = DEFAULT_TIMEOUTS): Timeouts {
  const out: Timeouts = { ...base };
  const form = `use name=duration, e.g. istioReady=10m,targetsUp=90s (names: ${TIMEOUT_NAMES.join(", ")})`;
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq < 0) throw new UsageError(`--timeout ${item}: ${form}`);
    const name = item.slice(0, eq);
    if (!(TIMEOUT_NAMES as string[]).includes(name)) {
      throw new UsageError(`--timeout ${item}: unknown name "${name}"; ${form}`);
    }
    const ms = parseDuration(item.slice(eq + 1));
    if (ms === undefined) {
      throw new UsageError(
        `--timeout ${item}: "${item.slice(eq + 1)}" is not a positive duration like 90s, 10m, 1500ms or 1h`,
      );
    }
    out[name as TimeoutName] = ms;
  }
  return out;
}

/** `--consecutive-successes n`: a whole number >= 1. */
export function consecutiveFrom(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CONSECUTIVE_SUCCESSES;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new UsageError(`--consecutive-successes ${text}: give a whole number from 1 to 100 (default 3)`);
  }
  return n;
}

/** The --timeout help: every name with its default and what it bounds. */
export function timeoutHelp(): string {
  return TIMEOUT_NAMES.map((n) => `${n}=${formatDuration(TIMEOUTS[n].ms)}: ${TIMEOUTS[n].what}`).join("; ");
}
