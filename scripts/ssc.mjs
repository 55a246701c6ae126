#!/usr/bin/env node
// The `ssc` command. Plain JavaScript on purpose: a Node too old to strip TypeScript types fails on
// the .ts extension before any of the suite's code runs, so the version is checked here first.
// `npm ci` brings Node 24 (optional dependency node-<os>-<arch>) into node_modules/.bin, which
// `npx` and npm scripts put first on PATH.
const NEED = [22, 19];
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < NEED[0] || (major === NEED[0] && minor < NEED[1])) {
  process.stderr.write(
    `ssc: needs Node >= ${NEED.join(".")} (this is Node ${process.versions.node}); run it as \`npx ssc ...\` after \`npm ci\` (the project brings Node 24 from npm), or install Node 24 from https://nodejs.org\n`,
  );
  process.exit(2);
}
const { main } = await import("./cli.ts");
process.exitCode = await main(process.argv.slice(2));
