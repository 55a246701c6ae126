import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { cell, t } from "../testing/results.ts";
import { reproduceCommands } from "./reproduce.ts";

// The commands a report gives for each failure, fitted to how the cell ran, and each one a command
// ssc accepts: run here with --dry-run, as a user would paste it.
const ssc = (argv: string[]) =>
  execa(process.execPath, ["scripts/ssc.mjs", ...argv, "--dry-run"], { reject: false, timeout: 20_000 });
const words = (command: string) => command.split(" ").slice(1);

describe("reproduceCommands", () => {
  const kind = cell("istio-1.31.1-default-k8s-1.36", "default", [t("SecurePortRejectsPlaintext", "failed")]);

  it("on a cluster ssc makes: in one go as a shard runs it (--cell), or kept with up / run --reuse / down", async () => {
    const c = reproduceCommands(kind, "SecurePortRejectsPlaintext");
    expect(c).toEqual([
      "# in one go, as a CI shard runs it:",
      "ssc run --istio 1.31.1 --profile default --k8s 1.36 --cell istio-1.31.1-default-k8s-1.36 --test SecurePortRejectsPlaintext",
      "# or keep the cell to iterate on:",
      "ssc up --istio 1.31.1 --profile default --k8s 1.36 --run-id repro",
      "ssc run --reuse repro --test SecurePortRejectsPlaintext",
      "ssc down --run-id repro",
    ]);
    for (const command of [c[1]!, c[3]!]) {
      const r = await ssc(words(command));
      expect(r.exitCode, `${command}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain("# cell istio-1.31.1-default-k8s-1.36");
    }
  });

  it("on k3s and for an unlisted version, carries the flags that made the cell", () => {
    const k3s = reproduceCommands({ ...kind, provider: "k3s", unlisted: "newer patch" }, "X");
    expect(k3s[1]).toBe(
      "ssc run --istio 1.31.1 --profile default --k8s 1.36 --allow-unlisted-istio --cluster k3s --cell istio-1.31.1-default-k8s-1.36 --test X",
    );
    expect(k3s[3]).toBe(
      "ssc up --istio 1.31.1 --profile default --k8s 1.36 --allow-unlisted-istio --cluster k3s --run-id repro",
    );
  });

  it("on your own cluster, the same kubeconfig and context again (a placeholder when not recorded)", () => {
    const byo = { ...kind, provider: "existing", kubeconfig: "/home/v/kube config", context: "prod-east" };
    expect(reproduceCommands(byo, "X")).toEqual([
      "ssc run --kubeconfig '/home/v/kube config' --context prod-east --no-provision --istio 1.31.1 --test X",
    ]);
    expect(reproduceCommands({ ...kind, provider: "existing" }, "X")).toEqual([
      "ssc run --kubeconfig '<your kubeconfig>' --no-provision --istio 1.31.1 --test X",
    ]);
  });

  it("for a mesh-wide cell, asks for it again (the cell id and the rendered workloads depend on it)", async () => {
    const mesh = { ...kind, id: "istio-1.31.1-default-k8s-1.36-meshwide", enablement: "mesh" as const };
    const c = reproduceCommands(mesh, "MeshWideSecurePortsFromMeshConfig");
    expect(c[1]).toBe(
      "ssc run --istio 1.31.1 --profile default --k8s 1.36 --enablement mesh --cell istio-1.31.1-default-k8s-1.36-meshwide --test MeshWideSecurePortsFromMeshConfig",
    );
    const r = await ssc(words(c[1]!));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("# cell istio-1.31.1-default-k8s-1.36-meshwide");
    expect(reproduceCommands({ ...mesh, provider: "existing" }, "X")).toEqual([
      "ssc run --kubeconfig '<your kubeconfig>' --no-provision --istio 1.31.1 --enablement mesh --test X",
    ]);
    // Per pod, as every report before the axis: nothing added.
    expect(reproduceCommands({ ...kind, enablement: "pod" }, "X")[1]).not.toContain("--enablement");
  });
});
