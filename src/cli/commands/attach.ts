import { Transform } from "node:stream";
import { WharfError } from "../../errors/index.js";
import { attachContainer, getContainer, killContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { reportError } from "../report.js";
import { runtimeContext } from "./container-common.js";

/** Docker's `--detach-keys`: `ctrl-<x>` (a letter, `@`, `[`, `\\`, `]`, `^`, `_`) or one character, comma-separated. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(",").map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return (m[1] as string).toUpperCase().charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new WharfError("invalid-argument", `invalid detach keys (${spec}) provided`);
  });
}

/** Passes the bytes through until the detach sequence is typed, then calls `detach`. */
function detachWatcher(keys: number[], detach: () => void): Transform {
  let at = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const out: number[] = [];
      for (const b of chunk) {
        if (b === keys[at]) {
          at++;
          if (at === keys.length) {
            detach();
            break;
          }
          continue;
        }
        out.push(...keys.slice(0, at), b);
        at = 0;
      }
      cb(null, Buffer.from(out));
    },
  });
}

export const command: Command = {
  path: ["attach"],
  aliases: [["container", "attach"]],
  usage: "[OPTIONS] CONTAINER",
  description: "Attach local standard input, output, and error streams to a running container",
  flags: [
    {
      name: "detach-keys",
      type: "string",
      description: "Override the key sequence for detaching a container",
    },
    { name: "no-stdin", type: "bool", description: "Do not attach STDIN" },
    {
      name: "sig-proxy",
      type: "bool",
      default: true,
      description: "Proxy all received signals to the process",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const name = f.args[0] ?? "";
    const abort = new AbortController();
    try {
      const rec = await getContainer(rt, name);
      const keys = parseDetachKeys(flag.string(f, "detach-keys") ?? "ctrl-p,ctrl-q");
      const withStdin = rec.options.interactive === true && !flag.bool(f, "no-stdin");
      const stdin = withStdin ? ctx.stdin.pipe(detachWatcher(keys, () => abort.abort())) : undefined;
      // As Docker: signals go to the container (not with a TTY, where ^C is a byte of the input).
      const proxy = flag.bool(f, "sig-proxy") && rec.options.tty !== true;
      const forward = (sig: NodeJS.Signals) => void killContainer(rt, rec.id, sig).catch(() => undefined);
      if (proxy) for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, forward);
      const raw =
        withStdin &&
        rec.options.tty === true &&
        typeof (ctx.stdin as NodeJS.ReadStream).setRawMode === "function";
      if (raw) (ctx.stdin as NodeJS.ReadStream).setRawMode(true);
      try {
        const code = await attachContainer(rt, rec.id, {
          stdout: ctx.stdout,
          stderr: ctx.stderr,
          ...(stdin ? { stdin } : {}),
          signal: abort.signal,
        });
        if (abort.signal.aborted) ctx.err("read escape sequence");
        return code;
      } finally {
        if (raw) (ctx.stdin as NodeJS.ReadStream).setRawMode(false);
        if (proxy) for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, forward);
        ctx.stdin.unpipe?.();
        (ctx.stdin as NodeJS.ReadStream).pause?.();
      }
    } catch (e) {
      reportError(ctx, e);
      return 1;
    }
  },
};
