import { createHash } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type HandlerBench, handlerBench } from "../../testing/step-run.ts";
import { fetchTools } from "./fetch-tools.ts";

let b: HandlerBench | undefined;
afterEach(async () => b?.dispose());

async function toolsDir(root: string, withSums: boolean): Promise<string> {
  const dir = join(root, "tools");
  await mkdir(dir, { recursive: true });
  for (const name of ["kind", "istioctl"]) {
    const text = `#!/bin/sh\necho ${name}\n`;
    await writeFile(join(dir, name), text);
    await chmod(join(dir, name), 0o755);
    if (withSums)
      await writeFile(
        join(dir, `${name}.sha256`),
        `${createHash("sha256").update(text).digest("hex")}  ${name}\n`,
      );
  }
  return dir;
}

describe("fetch-tools", () => {
  it("takes --tools-dir binaries without a checksum, marked UNVERIFIED in the log and the state", async () => {
    b = await handlerBench({});
    b.o.toolsDir = await toolsDir(b.root, false);
    await fetchTools(b.run("fetch-tools"));
    expect(b.state.tools.kind).toMatchObject({ version: "v0.32.0", verified: false, source: "tools-dir" });
    expect(b.state.tools.istioctl).toMatchObject({ version: "1.31.1", verified: false });
    expect(b.logs.filter((l) => /UNVERIFIED/.test(l))).toHaveLength(2);
  });

  it("marks them verified when a matching .sha256 is beside them", async () => {
    b = await handlerBench({});
    b.o.toolsDir = await toolsDir(b.root, true);
    await fetchTools(b.run("fetch-tools"));
    expect(b.state.tools.kind?.verified).toBe(true);
    expect(b.state.kind).toBe(join(b.o.toolsDir, "kind"));
    expect(b.logs.some((l) => /UNVERIFIED/.test(l))).toBe(false);
  });

  it("fetches the semver core's istioctl for a vendor build", async () => {
    // A vendor build is only planned with --allow-unlisted-istio; the plan's fetch step names the core.
    const { buildPlan } = await import("../../plan/plan.ts");
    const { CONFORMANCE_TESTS } = await import("../../../suites/catalog.ts");
    const [cell] = buildPlan(
      {
        istio: ["1.26.3-solo"],
        profiles: ["default"],
        allowUnlisted: true,
        runId: "v",
        workDir: "w",
        provider: "existing",
        kubeconfig: "k",
      },
      CONFORMANCE_TESTS,
    );
    expect(cell!.steps.find((s) => s.id === "fetch-tools")!.action).toEqual({
      type: "fetch-tools",
      istioctl: "1.26.3",
    });
  });
});
