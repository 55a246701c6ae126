import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { explainPods } from "./explain.ts";

// Pods and events in the shapes the API returns (ObjectSerializer's names), as `kubectl describe`
// would summarise them.
const pod = (name: string, status: V1Pod["status"]): V1Pod => ({
  metadata: { name, namespace: "ssc-native" },
  status,
});
const event = (name: string, reason: string, message: string, at: string): CoreV1Event => ({
  metadata: { name: `${name}.1` },
  involvedObject: { kind: "Pod", name },
  type: "Warning",
  reason,
  message,
  lastTimestamp: new Date(at),
});

describe("explainPods", () => {
  it("names the scheduler's reason for a pending pod", () => {
    const p = pod("httpbin-1", {
      phase: "Pending",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/1 nodes are available: 1 Insufficient cpu.",
        },
      ],
    });
    expect(explainPods([p], [])).toEqual([
      "pod ssc-native/httpbin-1 Pending; Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.",
    ]);
    expect(
      explainPods(
        [p],
        [
          event(
            "httpbin-1",
            "FailedScheduling",
            "0/1 nodes are available: 1 Insufficient memory.",
            "2026-12-02T00:00:05Z",
          ),
        ],
      ),
    ).toEqual([
      "pod ssc-native/httpbin-1 Pending; FailedScheduling: 0/1 nodes are available: 1 Insufficient memory.",
    ]);
  });

  it("names pull back-offs and crash loops with the last termination, newest events first", () => {
    const pulling = pod("prometheus-1", {
      phase: "Pending",
      containerStatuses: [
        {
          name: "client",
          ready: false,
          restartCount: 0,
          image: "i",
          imageID: "",
          state: {
            waiting: {
              reason: "ImagePullBackOff",
              message: 'Back-off pulling image "docker.io/curlimages/curl"',
            },
          },
        },
      ],
    });
    const crashing = pod("app-1", {
      phase: "Running",
      containerStatuses: [
        {
          name: "app",
          ready: false,
          restartCount: 4,
          image: "i",
          imageID: "",
          state: {
            waiting: { reason: "CrashLoopBackOff", message: "back-off 1m20s restarting failed container" },
          },
          lastState: { terminated: { exitCode: 2, reason: "Error", message: "panic: bad config\nexit" } },
        },
      ],
    });
    const events = [
      event("prometheus-1", "Failed", "Failed to pull image: not found", "2026-12-02T00:00:01Z"),
      event("prometheus-1", "Failed", "Error: ImagePullBackOff", "2026-12-02T00:00:09Z"),
    ];
    expect(explainPods([pulling, crashing], events)).toEqual([
      'pod ssc-native/prometheus-1 Pending; container client waiting: ImagePullBackOff (Back-off pulling image "docker.io/curlimages/curl"); Failed: Error: ImagePullBackOff; Failed: Failed to pull image: not found',
      "pod ssc-native/app-1 Running; container app waiting: CrashLoopBackOff (back-off 1m20s restarting failed container), last terminated: exit 2 (Error): exit, 4 restart(s)",
    ]);
  });

  it("leaves ready pods out", () => {
    expect(
      explainPods([pod("ok", { phase: "Running", conditions: [{ type: "Ready", status: "True" }] })], []),
    ).toEqual([]);
  });
});
