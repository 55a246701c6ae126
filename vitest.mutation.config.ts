import { defineConfig } from "vitest/config";

// The tests StrykerJS runs against each mutant of the verdict code (npm run mutation): the fast
// unit tests of the probes, the conformance checks and the report model. Lab tests (real
// Prometheus, Chromium) and tests that start the CLI prove the same code against real processes;
// they are too slow to run per mutant (a static mutant runs every test listed here), so they are
// named out, and the report tests are named one by one.
export default defineConfig({
  test: {
    include: [
      "scripts/probes/**/*.test.ts",
      "scripts/conformance/**/*.test.ts",
      "scripts/report/model.test.ts",
      "scripts/report/report.test.ts",
    ],
    exclude: ["**/*.lab.test.ts", "**/*.process.test.ts", "node_modules/**"],
  },
});
