import { afterEach, describe, expect, it } from "vitest";
import { InfrastructureError } from "../../errors.ts";
import { apiBench } from "../../testing/step-run.ts";
import { connect } from "./connect.ts";

// Against a scripted API server (the calls, not a cluster).
let b: Awaited<ReturnType<typeof apiBench>> | undefined;
afterEach(async () => b?.dispose());

describe("connect", () => {
  it("says which Kubernetes answered and marks the cluster usable", async () => {
    b = await apiBench({ existing: true, test: ["SidecarSecureListeners"] });
    await connect(b.run("connect"));
    expect(b.logs).toContain("cluster answers: Kubernetes v1.36.1");
    expect(b.state.clusterReady).toBe(true);
  });

  it("an unreachable API is an infrastructure error", async () => {
    b = await apiBench({ existing: true, test: ["SidecarSecureListeners"] });
    await b.api.close();
    await expect(connect(b.run("connect"))).rejects.toThrow(InfrastructureError);
  });
});
