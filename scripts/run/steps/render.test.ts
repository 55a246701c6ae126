import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type HandlerBench, handlerBench } from "../../testing/step-run.ts";
import { render } from "./render.ts";

let b: HandlerBench | undefined;
afterEach(async () => b?.dispose());

describe("render", () => {
  it("writes the cell's overlay and one folder per scenario into its work folder", async () => {
    b = await handlerBench({ test: ["SidecarSecureScrapeMtls"] });
    await render(b.run("render-manifests"));
    const dir = join(b.o.workDir, b.cell.id, "manifests");
    expect(existsSync(join(dir, "istio", "install.yaml"))).toBe(true);
    expect(existsSync(join(dir, "secure-prometheus", "manifest.yaml"))).toBe(true);
    expect(existsSync(join(dir, "httpbin-native", "manifest.yaml"))).toBe(true);
    expect(existsSync(join(dir, "gateway-api-native"))).toBe(false);
  });
});
