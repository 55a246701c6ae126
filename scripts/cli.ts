#!/usr/bin/env node
import {
  CACHE_FLAGS,
  DOCTOR_FLAGS,
  DOWN_FLAGS,
  IMAGES_FLAGS,
  LIST_FLAGS,
  PLAN_FLAGS,
  PROBE_FLAGS,
  PROBE_KINDS,
  RENDER_FLAGS,
  REPORT_FLAGS,
  RUN_FLAGS,
  SELFTEST_FLAGS,
  UP_FLAGS,
} from "./cli/flags.ts";
import { bool, type FlagSpec, helpText, type Options, parseCommandLine, usageLine } from "./cli/options.ts";
import { ExitCode, InfrastructureError, UsageError } from "./errors.ts";
import { SUITE_VERSION } from "./version.ts";

type CommandResult = string | { output: string; exitCode: ExitCode };

/** What an exit code means; each command lists only those it can return. */
const EXIT_MEANING: Record<number, string> = {
  0: "success",
  1: "a conformance failure: the mesh broke a property",
  2: "bad input (flags, options file, unknown version, impossible combination); one line says what to fix",
  3: "infrastructure error: the suite could not tell (docker, kind, istioctl, network, timeout)",
  130: "interrupted by SIGINT (after teardown; reports written)",
  143: "interrupted by SIGTERM (after teardown; reports written)",
};

interface Command {
  summary: string;
  flags: readonly FlagSpec[];
  /** A positional argument the command takes (shown in its usage); the others reject them. */
  positional?: string;
  /** The exit codes it can return, with what 0 means for it and any code it means otherwise. */
  exits: { codes: readonly number[]; ok: string; meaning?: Readonly<Partial<Record<number, string>>> };
  run: (o: Options, positionals: readonly string[]) => CommandResult | Promise<CommandResult>;
}

// Commands appear here only once they work; nothing is listed that would merely say "not yet".
// Each loads its module on use, so `ssc plan` never pays for the lab or the Kubernetes client.
const lifecycle = () => import("./cli/lifecycle-command.ts");

export const COMMANDS: Record<string, Command> = {
  run: {
    summary:
      "Plan, provision each cell (kind by default), deploy the scenarios, run the cell's tests, collect and tear down; write the reports.",
    flags: RUN_FLAGS,
    exits: { codes: [0, 1, 2, 3, 130, 143], ok: "every selected test passed" },
    run: async (o) => (await lifecycle()).runCommand(o),
  },
  up: {
    summary:
      "Provision one cell (cluster, Istio, scenarios) and leave it running for you; ssc run --reuse tests it, ssc down removes it.",
    flags: UP_FLAGS,
    exits: {
      codes: [0, 2, 3, 130, 143],
      ok: "the cell is up",
      meaning: {
        130: "interrupted by SIGINT (after teardown)",
        143: "interrupted by SIGTERM (after teardown)",
      },
    },
    run: async (o) => (await lifecycle()).upCommand(o),
  },
  down: {
    summary:
      "Remove what ssc created (kind clusters named ssc-*, objects labelled with the run id), nothing else.",
    flags: DOWN_FLAGS,
    exits: { codes: [0, 2, 3], ok: "removed (or nothing to remove)" },
    run: async (o) => (await lifecycle()).downCommand(o),
  },
  doctor: {
    summary:
      "Check this machine: Docker, kind, istioctl and whether their download host answers, curl, kubectl, Prometheus, inotify limits, memory; each OK or what to do.",
    flags: DOCTOR_FLAGS,
    exits: { codes: [0, 2, 3], ok: "nothing blocks a run (warnings may remain)" },
    run: async (o) => (await lifecycle()).doctorCommand(o),
  },
  cache: {
    summary:
      "start|stop: pull-through registry caches (one registry:2 proxy per upstream) on your Docker, on kind's network, long-lived and shared by every run; prints the --registry-mirror flag to use them.",
    flags: CACHE_FLAGS,
    positional: "start|stop",
    exits: { codes: [0, 2, 3], ok: "the caches are up (start) or gone (stop)" },
    run: async (o, p) => (await import("./cli/cache-command.ts")).cacheCommand(o, p),
  },
  plan: {
    summary:
      "Expand the matrix into cells and show, before any cluster exists, each cell's steps, its resource requests, and which tests run or are skipped and why.",
    flags: PLAN_FLAGS,
    exits: { codes: [0, 2], ok: "the plan was printed" },
    run: async (o) => (await import("./cli/plan-command.ts")).planCommand(o),
  },
  render: {
    summary:
      "Write, for a cell, every scenario its tests need as YAML (one folder each), each Prometheus configuration as prometheus.yml, and the istioctl overlay.",
    flags: RENDER_FLAGS,
    exits: { codes: [0, 2], ok: "the files were written" },
    run: async (o) => (await import("./cli/render-command.ts")).renderCommand(o),
  },
  images: {
    summary:
      "List every image each cell pulls (kind node, Istio control plane, proxies, ztunnel, CNI, gateways, fixtures, probe client) with tag, digest where pinned and source, to mirror them for air-gapped runs.",
    flags: IMAGES_FLAGS,
    exits: { codes: [0, 2], ok: "the list was printed" },
    run: async (o) => (await import("./cli/images-command.ts")).imagesCommand(o),
  },
  probe: {
    summary:
      "Check one endpoint from this machine (e.g. after a port-forward), judged like a cell's probe: N passes in a row within its named timeout.",
    flags: PROBE_FLAGS,
    positional: `<${PROBE_KINDS.join("|")}>`,
    exits: { codes: [0, 1, 2, 3], ok: "the probe passed" },
    run: async (o, p) => (await import("./cli/probe-command.ts")).probeCommand(o, p),
  },
  report: {
    summary:
      "merge <dir>...: join the report folders of many shards (one CI job per cell) into one report, exit code from the joined results; validate <dir|file>: check a report against its manifest, the JSON Schema and the certification rules (exit 1 with one line per problem).",
    flags: REPORT_FLAGS,
    positional: "merge <dir>... | validate <dir|file>",
    exits: {
      codes: [0, 1, 2, 3],
      ok: "merge: every cell of the joined report succeeded; validate: the report is valid",
      meaning: {
        1: "merge: a cell of the joined report failed (the mesh broke a property); validate: the report is invalid, one line per problem",
        3: "merge: for a cell of the joined report the suite could not tell",
      },
    },
    run: async (o, p) => (await import("./cli/report-command.ts")).reportCommand(o, p),
  },
  selftest: {
    summary:
      "Prove every probe can fail: run them on an offline lab (real TLS, real Prometheus), healthy and with each fault of the catalog injected.",
    flags: SELFTEST_FLAGS,
    exits: {
      codes: [0, 1, 2, 3],
      ok: "the healthy lab passed and every fault was caught",
      meaning: {
        1: "a fault was not caught, or a probe failed on the healthy lab",
        3: "the lab could not start (Prometheus, curl, addresses)",
      },
    },
    run: async (o) => (await import("./cli/selftest-command.ts")).selftestCommand(o),
  },
  list: {
    summary:
      "List every conformance test with its seed, profiles, version gates and whether it is implemented.",
    flags: LIST_FLAGS,
    exits: { codes: [0, 2], ok: "the list was printed" },
    run: async (o) => (await import("./cli/list-command.ts")).listCommand(o),
  },
};

export function commandUsage(name: string): string {
  const c = COMMANDS[name]!;
  return usageLine(name, c.flags, c.positional);
}

function exitCodes(exits: Command["exits"], title = "exit codes:"): string {
  return [
    title,
    ...exits.codes.map(
      (code) =>
        `  ${String(code).padEnd(3)}  ${code === 0 ? exits.ok : (exits.meaning?.[code] ?? EXIT_MEANING[code])}`,
    ),
  ].join("\n");
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name]!;
  return `${helpText(commandUsage(name), c.summary, c.flags)}\n\n${exitCodes(c.exits)}`;
}

function topHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "usage: ssc <command> [flags]",
    "       ssc help <command> | ssc <command> --help | ssc --version",
    "",
    "Proves on a real Kubernetes cluster that Prometheus scrapes Istio metrics over mutual TLS, and nothing else can.",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "`ssc` alone prints this help and exits 2; `ssc --help` exits 0.",
    "",
    exitCodes(
      { codes: [0, 1, 2, 3, 130, 143], ok: "success" },
      "exit codes (each command's help lists its own):",
    ),
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (name === undefined) {
    out(topHelp());
    return ExitCode.usage;
  }
  if (name === "--help" || name === "-h") {
    out(topHelp());
    return ExitCode.ok;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    out(`ssc ${SUITE_VERSION}`);
    return ExitCode.ok;
  }
  try {
    if (name === "help") {
      const [topic, ...extra] = rest;
      if (topic === undefined) {
        out(topHelp());
        return ExitCode.ok;
      }
      if (!COMMANDS[topic] || extra.length > 0) {
        throw new UsageError(
          `ssc help takes one command (${Object.keys(COMMANDS).join(", ")}), not "${rest.join(" ")}"`,
        );
      }
      out(commandHelp(topic));
      return ExitCode.ok;
    }
    const command = COMMANDS[name];
    if (!command) {
      throw new UsageError(
        `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")}); see ssc --help`,
      );
    }
    if (rest.includes("-h")) {
      out(commandHelp(name));
      return ExitCode.ok;
    }
    const { options, positionals } = parseCommandLine(name, rest, command.flags);
    if (bool(options, "help")) {
      out(commandHelp(name));
      return ExitCode.ok;
    }
    if (positionals.length > 0 && !command.positional) {
      throw new UsageError(`ssc ${name} takes no argument "${positionals[0]}"; see ssc ${name} --help`);
    }
    const result = await command.run(options, positionals);
    const { output, exitCode } =
      typeof result === "string" ? { output: result, exitCode: ExitCode.ok } : result;
    if (output) out(output);
    return exitCode;
  } catch (e) {
    if (e instanceof UsageError || e instanceof InfrastructureError) {
      process.stderr.write(`ssc: ${e.message}\n`);
      return e.exitCode;
    }
    // A bug in the suite: it could not tell, so it is an error, never a failure or a pass.
    process.stderr.write(`ssc: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return ExitCode.infrastructure;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
