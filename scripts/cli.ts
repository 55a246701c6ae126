#!/usr/bin/env node
import {
  DOCTOR_FLAGS,
  DOWN_FLAGS,
  LIST_FLAGS,
  PLAN_FLAGS,
  PROBE_FLAGS,
  RENDER_FLAGS,
  RUN_FLAGS,
  SELFTEST_FLAGS,
  UP_FLAGS,
} from "./cli/flags.ts";
import { bool, type FlagSpec, helpText, type Options, parseCommandLine } from "./cli/options.ts";
import { ExitCode, InfrastructureError, UsageError } from "./errors.ts";

type CommandResult = string | { output: string; exitCode: ExitCode };

interface Command {
  usage: string;
  summary: string;
  flags: readonly FlagSpec[];
  /** Commands that take positional arguments say so; the others reject them. */
  positionals?: boolean;
  run: (o: Options, positionals: readonly string[]) => CommandResult | Promise<CommandResult>;
}

// Commands appear here only once they work; nothing is listed that would merely say "not yet".
// Each loads its module on use, so `ssc plan` never pays for the lab or the Kubernetes client.
const lifecycle = () => import("./cli/lifecycle-command.ts");

const COMMANDS: Record<string, Command> = {
  run: {
    usage:
      "ssc run [--istio v,...] [--profile p,...] [--test id,...] [--kubeconfig f --no-provision] [--keep | --keep-on-failure] [--dry-run]",
    summary:
      "Plan, provision each cell (kind by default), deploy the scenarios, run the cell's tests, collect and tear down.",
    flags: RUN_FLAGS,
    run: async (o) => (await lifecycle()).runCommand(o),
  },
  up: {
    usage: "ssc up --istio <v> --profile <p> [--cluster kind|k3s] [--test id,...] [--dry-run]",
    summary:
      "Provision one cell (cluster, Istio, scenarios) and leave it running for you; ssc down removes it.",
    flags: UP_FLAGS,
    run: async (o) => (await lifecycle()).upCommand(o),
  },
  down: {
    usage: "ssc down --run-id <id> | --all [--kubeconfig f]",
    summary:
      "Remove what ssc created (kind clusters named ssc-*, objects labelled with the run id), nothing else.",
    flags: DOWN_FLAGS,
    run: async (o) => (await lifecycle()).downCommand(o),
  },
  doctor: {
    usage: "ssc doctor [--format json]",
    summary:
      "Check this machine: Docker, kind, istioctl, curl, kubectl, Prometheus, inotify limits, memory; each OK or what to do.",
    flags: DOCTOR_FLAGS,
    run: async (o) => (await lifecycle()).doctorCommand(o),
  },
  plan: {
    usage: "ssc plan [--istio v,...] [--profile p,...] [--k8s minor] [--test id,...] [--format json]",
    summary:
      "Expand the matrix into cells and show, before any cluster exists, each cell's steps and which tests run or are skipped and why.",
    flags: PLAN_FLAGS,
    run: async (o) => (await import("./cli/plan-command.ts")).planCommand(o),
  },
  render: {
    usage: "ssc render --istio <version> --profile <profile> --out <dir> [--test id,...]",
    summary:
      "Write, for a cell, every scenario its tests need as YAML (one folder each), each Prometheus configuration as prometheus.yml, and the istioctl overlay.",
    flags: RENDER_FLAGS,
    run: async (o) => (await import("./cli/render-command.ts")).renderCommand(o),
  },
  probe: {
    usage:
      "ssc probe <mtls|plaintext|no-cert|foreign-ca|identity> --url <https url> --ca <f> --cert <f> --key <f> [--expect-identity <spiffe>]\n       ssc probe targets --prometheus <url> --job <name> --target <scrape url>",
    summary:
      "Check one endpoint from this machine (e.g. after a port-forward): exit 0 pass, 1 fail, 3 could not tell, with the evidence.",
    flags: PROBE_FLAGS,
    positionals: true,
    run: async (o, p) => (await import("./cli/probe-command.ts")).probeCommand(o, p),
  },
  selftest: {
    usage: "ssc selftest [--format json]",
    summary:
      "Prove every probe can fail: run them on an offline lab (real TLS, real Prometheus), healthy and with each fault of the catalog injected.",
    flags: SELFTEST_FLAGS,
    run: async (o) => (await import("./cli/selftest-command.ts")).selftestCommand(o),
  },
  list: {
    usage: "ssc list [--format json]",
    summary:
      "List every conformance test with its seed, profiles, version gates and whether it is implemented.",
    flags: LIST_FLAGS,
    run: async (o) => (await import("./cli/list-command.ts")).listCommand(o),
  },
};

const EXIT_CODES = `exit codes:
  0  every selected test passed
  1  a conformance failure: the mesh broke a property
  2  bad input (flags, options file, unknown version, impossible combination)
  3  infrastructure error: the suite could not tell (docker, kind, istioctl, network, timeout)`;

function topHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "usage: ssc <command> [flags]",
    "",
    "Proves on a real Kubernetes cluster that Prometheus scrapes Istio metrics over mutual TLS, and nothing else can.",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `ssc <command> --help` for its flags.",
    "",
    EXIT_CODES,
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${topHelp()}\n`);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = COMMANDS[name];
  try {
    if (!command) {
      throw new UsageError(
        `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")}); see ssc --help`,
      );
    }
    const { options, positionals } = parseCommandLine(name, rest, command.flags);
    if (bool(options, "help")) {
      process.stdout.write(`${helpText(command.usage, command.summary, command.flags)}\n\n${EXIT_CODES}\n`);
      return ExitCode.ok;
    }
    if (positionals.length > 0 && !command.positionals) {
      throw new UsageError(`ssc ${name} takes no argument "${positionals[0]}"; see ssc ${name} --help`);
    }
    const result = await command.run(options, positionals);
    const { output, exitCode } =
      typeof result === "string" ? { output: result, exitCode: ExitCode.ok } : result;
    process.stdout.write(`${output}\n`);
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
