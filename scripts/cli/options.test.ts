import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { type FlagSpec, parseCommandLine } from "./options.ts";

const specs: FlagSpec[] = [
  { name: "istio", type: "string", list: true, description: "", default: ["latest"] },
  { name: "profile", type: "string", list: true, description: "", default: ["default"] },
  { name: "k8s", type: "string", description: "" },
  { name: "allow-unsupported-k8s", type: "boolean", description: "" },
  { name: "options-file", type: "string", description: "" },
  { name: "help", type: "boolean", description: "" },
];

const dir = mkdtempSync(join(tmpdir(), "ssc-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("options precedence: defaults < options file < flags the user set", () => {
  it("uses defaults when nothing is given", () => {
    expect(parseCommandLine("plan", [], specs).options).toMatchObject({
      istio: ["latest"],
      profile: ["default"],
    });
  });

  it("lets the file override defaults and the typed flags override the file, key by key", () => {
    const f = file(
      "a.yaml",
      "istio: [1.30, '1.31']\nprofile: ambient\nk8s: '1.34'\nallow-unsupported-k8s: true\n",
    );
    const { options } = parseCommandLine("plan", ["--options-file", f, "--profile", "default"], specs);
    expect(options).toEqual({
      "options-file": f,
      istio: ["1.30", "1.31"], // from the file (YAML numbers become version strings)
      profile: ["default"], // the typed flag wins
      k8s: "1.34",
      "allow-unsupported-k8s": true,
    });
  });

  it("accepts comma-separated and repeated list flags", () => {
    const { options } = parseCommandLine("plan", ["--istio", "1.30,1.31", "--istio", "latest"], specs);
    expect(options.istio).toEqual(["1.30", "1.31", "latest"]);
  });

  it.each([
    [
      "unknown: 1\n",
      /unknown key "unknown" for ssc plan \(known: istio, profile, k8s, allow-unsupported-k8s\)/,
    ],
    ["istio: [1.30\n", /not valid YAML/],
    ["- a\n- b\n", /must be a mapping/],
    ["allow-unsupported-k8s: yes-please\n", /must be true or false/],
    ["k8s: {a: 1}\n", /key "k8s" must be a string/],
  ])("rejects a bad options file %j", (text, message) => {
    const f = file("bad.yaml", text);
    expect(() => parseCommandLine("plan", ["--options-file", f], specs)).toThrow(UsageError);
    expect(() => parseCommandLine("plan", ["--options-file", f], specs)).toThrow(message);
  });

  it("rejects a missing options file and unknown flags", () => {
    expect(() => parseCommandLine("plan", ["--options-file", join(dir, "none.yaml")], specs)).toThrow(
      /cannot read it \(ENOENT\)/,
    );
    expect(() => parseCommandLine("plan", ["--istoi", "1.31"], specs)).toThrow(
      /unknown flag --istoi for ssc plan/,
    );
    expect(() => parseCommandLine("plan", ["--k8s"], specs)).toThrow(UsageError);
  });
});
