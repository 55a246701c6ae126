import { defineConfig } from "vitest/config";

// The tests StrykerJS runs against each mutant of the verdict code (npm run mutation): the fast
// unit tests of the probes, the conformance checks and the report model. Lab tests prove the same
// code against real processes; they are too slow to run per mutant.
export default defineConfig({
  test: {
    include: [
      "scripts/probes/**/*.test.ts",
      "scripts/conformance/**/*.test.ts",
      "scripts/report/**/*.test.ts",
    ],
  },
});
