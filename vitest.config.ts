import { defineConfig } from "vitest/config";

// Three projects, one per kind of evidence. `npm test` runs unit + lab; the conformance
// project needs a live cell and is only ever started by `ssc run`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["scripts/**/*.test.ts"],
          exclude: ["scripts/**/*.lab.test.ts", "node_modules/**"],
          // Many unit tests start the CLI as a real child process; on a loaded 2-core runner a few
          // of them take seconds, so vitest's 5 s default would fail them for being slow, not wrong.
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "lab",
          include: ["scripts/**/*.lab.test.ts"],
          // Lab tests start real Prometheus and TLS servers; give them room but keep them bounded.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A lab case that must fail mostly waits out its budget (scaled to the machine,
          // scripts/lab/budgets.ts): more of them at once, not more CPU.
          maxConcurrency: 12,
        },
      },
      {
        test: {
          name: "conformance",
          include: ["suites/cell.conformance.test.ts"],
          // One process (worker threads): when ssc stops the run, killing it stops every test.
          pool: "threads",
          // Each test sets its own budget from the cell's `tests` timeout; this is the outer bound.
          testTimeout: 3_600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
