import { afterEach, describe, expect, it } from "vitest";
import { InfrastructureError, Interrupted } from "../errors.ts";
import {
  kubeConfigFor,
  readyWorkload,
  type ScriptedApiServer,
  startApiServer,
} from "../testing/apiserver.ts";
import { deploymentReady } from "./readiness.ts";
import { waitFor } from "./wait.ts";

// How a wait behaves when the API misbehaves, against a scripted HTTP server that speaks the list
// and watch calls (not a cluster): only the named deadline ends a wait; dropped watches, 410 Gone,
// 429 and 500 are survived; a timeout says what was last seen and why the pods are not ready.
let api: ScriptedApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const kcFor = kubeConfigFor;
const item = { kind: "Deployment" as const, namespace: "ns", name: "web" };
const fast = { initialMs: 50, factor: 1.5, maxMs: 200 };
const wait = (ms: number, signal?: AbortSignal, explainMs?: number) =>
  waitFor(kcFor(api!.url), item, deploymentReady, {
    timeout: { name: "workloadReady", ms },
    signal,
    backoff: fast,
    explainMs,
  });

describe("waitFor (ListWatch against a scripted API server)", () => {
  it("resolves from the first list when the object is ready", async () => {
    api = await startApiServer();
    api.put(readyWorkload("Deployment", "ns", "web"));
    await expect(wait(5_000)).resolves.toBeUndefined();
  });

  it.each([
    ["a watch the server drops", { watchFaults: ["drop" as const], readyAfterWatches: 2 }],
    ["410 Gone on the watch (re-list)", { watchFaults: ["gone" as const], readyAfterWatches: 2 }],
    ["an ERROR event with 410 in the stream", { watchFaults: ["gone-event" as const], readyAfterWatches: 2 }],
    ["429 on the watch", { watchFaults: ["throttle" as const], readyAfterWatches: 2 }],
    ["500 on the watch", { watchFaults: ["fail" as const], readyAfterWatches: 2 }],
  ])("survives %s and sees the object become ready", async (_what, script) => {
    api = await startApiServer(script);
    api.put(readyWorkload("Deployment", "ns", "web"));
    await expect(wait(10_000)).resolves.toBeUndefined();
    expect(api.seen.filter((s) => s.url.includes("watch=true")).length).toBeGreaterThanOrEqual(2);
  });

  it("retries lists that answer 429 and 500 until one succeeds", async () => {
    api = await startApiServer({ listFaults: ["throttle", "fail", "fail"] });
    api.put(readyWorkload("Deployment", "ns", "web"));
    await expect(wait(10_000)).resolves.toBeUndefined();
    const lists = api.seen.filter((s) => s.url.startsWith("/apis/apps/v1/namespaces/ns/deployments?"));
    expect(lists.filter((s) => !s.url.includes("watch=true")).length).toBeGreaterThanOrEqual(4);
  });

  it("times out only at the deadline, naming the budget, the last state and the pods' reasons", async () => {
    api = await startApiServer({
      readyAfterWatches: 1_000,
      pods: [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "web-1", namespace: "ns" },
          status: {
            phase: "Pending",
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message: "0/1 nodes are available: 1 Insufficient cpu.",
              },
            ],
          },
        },
      ],
    });
    api.put(readyWorkload("Deployment", "ns", "web"));
    const start = Date.now();
    const err = await wait(1_500).catch((e: unknown) => e);
    expect(Date.now() - start).toBeGreaterThanOrEqual(1_400);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(
      /^timeout workloadReady \(1\.5s\): Deployment ns\/web not ready; last seen: available 0\/1.*pod ns\/web-1 Pending; Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu\./,
    );
  });

  it("keeps retrying an API that always fails, and says so at the deadline", async () => {
    api = await startApiServer({ listFaults: Array(1_000).fill("fail") });
    const err = await wait(1_000).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/never seen; API errors while watching \(\d+\): HTTP 500/);
  });

  it("stops at once when the run is interrupted", async () => {
    api = await startApiServer({ readyAfterWatches: 1_000 });
    api.put(readyWorkload("Deployment", "ns", "web"));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Interrupted("SIGTERM")), 200);
    const start = Date.now();
    const err = await wait(30_000, ac.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it("does not hang explaining a timeout when the pod list never answers", async () => {
    api = await startApiServer({ readyAfterWatches: 1_000, hangPods: true });
    api.put(readyWorkload("Deployment", "ns", "web"));
    const start = Date.now();
    const err = await wait(500, undefined, 300).catch((e: unknown) => e);
    expect(Date.now() - start).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(InfrastructureError);
    expect((err as Error).message).toMatch(
      /^timeout workloadReady \(0\.5s\): Deployment ns\/web not ready; .*pods unreadable: reading the pods: no answer within 0\.3s/,
    );
  });

  it("stops at once on an interrupt while it explains a timeout", async () => {
    api = await startApiServer({ readyAfterWatches: 1_000, hangPods: true });
    api.put(readyWorkload("Deployment", "ns", "web"));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Interrupted("SIGINT")), 800);
    const start = Date.now();
    const err = await wait(500, ac.signal, 30_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect(Date.now() - start).toBeLessThan(3_000);
  });
});
