import { execFile } from "node:child_process";

// A small process that runs commands for the lab (scripts/probes/spawner.ts): forking from it costs
// a third of forking from the lab's own large process, and it happens off the thread that also
// serves the lab's TLS listeners. One message in ({ id, argv }), one out ({ id, result }).
interface Request {
  id: number;
  argv: string[];
}

process.on("message", (m: Request) => {
  execFile(m.argv[0]!, m.argv.slice(1), { maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
    const code = (e as { code?: unknown } | null)?.code;
    // A missing binary is 127, as a shell says; a signal or another failure without a code is 1.
    const exitCode = e === null ? 0 : typeof code === "number" ? code : code === "ENOENT" ? 127 : 1;
    process.send?.({ id: m.id, result: { exitCode, stdout, stderr } });
  });
});
// The parent going away ends the helper.
process.on("disconnect", () => process.exit(0));
