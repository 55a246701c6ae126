import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Inputs that crashed or hung before: each is exit 2 with one line on stderr saying what and how to
// fix it, before anything is created. A real child process, as a user runs it.
const ssc = (...args: string[]) =>
  execa(process.execPath, ["scripts/ssc.mjs", ...args], {
    reject: false,
    env: { NO_COLOR: "1" },
    timeout: 20_000,
  });
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ssc-inputs-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const oneLine = (r: { exitCode?: number; stderr: unknown; stdout: unknown }, message: RegExp) => {
  expect(r.exitCode).toBe(2);
  expect(String(r.stdout)).toBe("");
  const lines = String(r.stderr).trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
};

describe("run ids: one rule for every command", { timeout: 60_000 }, () => {
  const bad = ["../x", "A B", "x".repeat(100), "", "Abc", "-x", "x-", "a_b"];
  it.each(bad)("--run-id %j is refused by run, up, plan, render and down", async (id) => {
    // An empty value is refused before any flag's own rule, as for every flag.
    const rule =
      id === ""
        ? /--run-id is empty for ssc \w+: give it a value/
        : /--run-id ".*": use 1 to 20 of a-z, 0-9 and -, starting and ending with a letter or digit/;
    const flag = `--run-id=${id}`;
    oneLine(await ssc("run", flag, "--work-dir", join(root, "w")), rule);
    oneLine(await ssc("up", flag, "--work-dir", join(root, "w")), rule);
    oneLine(await ssc("plan", flag), rule);
    oneLine(await ssc("render", flag, "--out", join(root, "r")), rule);
    oneLine(await ssc("down", flag), rule);
    expect(existsSync(join(root, "w"))).toBe(false);
  });

  it("--reuse follows the same rule", async () => {
    oneLine(await ssc("run", "--reuse", "Dev"), /--reuse "Dev": use 1 to 20/);
  });

  it("accepts lowercase ids up to 20 characters", async () => {
    expect((await ssc("plan", "--run-id", "nightly-42", "--format", "json")).exitCode).toBe(0);
    expect((await ssc("plan", "--run-id", "a".repeat(20), "--format", "json")).exitCode).toBe(0);
  });
});

describe("folders are checked before anything starts", { timeout: 30_000 }, () => {
  it.each([
    [["run", "--work-dir", "/proc"], /^ssc: --work-dir \/proc: cannot create or write there \(\w+\)/],
    [["run", "--report-dir", "/proc/rep"], /^ssc: --report-dir \/proc\/rep: cannot create or write there/],
    [["up", "--work-dir", "/proc/x/y"], /^ssc: --work-dir \/proc\/x\/y: cannot create or write there/],
    [["render", "--out", "/proc/out"], /^ssc: --out \/proc\/out: cannot create or write there/],
  ])("ssc %j answers at once instead of hanging", async (args, message) => {
    const start = Date.now();
    oneLine(await ssc(...args), message);
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it.each([
    ["run", "--work-dir"],
    ["run", "--report-dir"],
    ["up", "--work-dir"],
    ["render", "--out"],
    ["report", "--out"],
    ["plan", "--istio"],
  ])('%s %s "" is bad input (an empty value would put folders at the root)', async (cmd, flag) => {
    oneLine(
      await ssc(cmd, flag, ""),
      new RegExp(`^ssc: ${flag} is empty for ssc ${cmd}: give it a value \\(see ssc ${cmd} --help\\)$`),
    );
  });

  it("a work dir that is a file is bad input, not an internal error", async () => {
    const file = join(root, "a-file");
    await writeFile(file, "x");
    oneLine(await ssc("run", "--work-dir", file), /--work-dir .*a-file: .*a-file is a file, not a folder/);
    oneLine(await ssc("run", "--work-dir", join(file, "below")), /is a file, not a folder/);
  });

  it.each([["run"], ["up"]])(
    "%s refuses a vendor build on a cluster it makes: ssc installs upstream Istio only",
    async (cmd) => {
      for (const v of ["1.26.3-solo", "1.27.1-asm.2"]) {
        const core = v.replace(/-.*/, "");
        oneLine(
          await ssc(cmd, "--istio", v, "--allow-unlisted-istio", "--work-dir", join(root, "vendor")),
          new RegExp(
            `--istio ${v.replaceAll(".", "\\.")} is a vendor build: ssc installs upstream Istio only, .*\\(--kubeconfig <file> --no-provision\\), or pass --istio ${core.replaceAll(".", "\\.")}$`,
          ),
        );
      }
    },
  );

  it("a garbage --kubeconfig is bad input and leaves no run folder behind", async () => {
    const kc = join(root, "garbage.yaml");
    await writeFile(kc, "this: [is not: a kubeconfig");
    const work = join(root, "kc-work");
    oneLine(
      await ssc("run", "--kubeconfig", kc, "--work-dir", work, "--run-id", "g1"),
      /--kubeconfig .*garbage\.yaml: not a kubeconfig/,
    );
    expect(existsSync(join(work, "g1"))).toBe(false);
    // The check may make the --work-dir parent; it must hold nothing.
    expect(existsSync(work) ? await readdir(work) : []).toEqual([]);
  });
});

describe("timeouts have one form everywhere", () => {
  it.each([
    [
      ["run", "--timeout", "bogus"],
      /--timeout bogus: use name=duration, e\.g\. istioReady=10m,targetsUp=90s \(names: download, clusterCreate/,
    ],
    [["run", "--timeout", "istioReady=0s"], /"0s" is not a positive duration/],
    [
      ["probe", "mtls", "--url", "https://x:1/", "--ca", "a", "--cert", "b", "--key", "c", "--timeout", "5"],
      /--timeout 5: use name=duration/,
    ],
    [["run", "--consecutive-successes", "0"], /--consecutive-successes 0: give a whole number from 1 to 100/],
  ])("ssc %j", async (args, message) => {
    oneLine(await ssc(...args), message);
  });
});

describe("ssc up brings up one cell", () => {
  it("refuses a list for --istio or --profile, and its help says one value", async () => {
    oneLine(
      await ssc("up", "--istio", "1.30,1.31"),
      /ssc up brings up one cell: --istio takes one value, not "1\.30,1\.31"; use ssc run for a matrix/,
    );
    oneLine(await ssc("up", "--profile", "default,ambient"), /--profile takes one value/);
    const help = (await ssc("up", "--help")).stdout;
    expect(help).toMatch(/--istio <version> +the one Istio version to bring up/);
    expect(help).not.toMatch(/--istio <version>.*comma-separated/);
  });
});

describe("checkWritableFolder with runs that start together", () => {
  it("lets many checks of one missing folder succeed at once, and leaves no check folder behind", async () => {
    const { checkWritableFolder } = await import("./inputs.ts");
    const root = await mkdtemp(join(tmpdir(), "ssc-writable-"));
    try {
      const target = join(root, "shared", "w");
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () => checkWritableFolder(target, "--work-dir")),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      // A level one check made while another used it may stay, empty (the runs make it anyway).
      const left = await readdir(root, { recursive: true });
      expect(left.filter((p) => p.includes(".ssc-write-check-"))).toEqual([]);
      expect(left.every((p) => ["shared", join("shared", "w")].includes(p))).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
