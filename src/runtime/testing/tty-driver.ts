/** Runs one container in the foreground from a plain `node` process, for tests under a real pty. */
import { runForeground } from "../lifecycle.js";

const { root, id } = JSON.parse(process.argv[2] ?? "{}") as { root: string; id: string };
runForeground({ root }, id, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTty: process.stdin.isTTY === true,
}).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(String(e));
    process.exit(125);
  },
);
