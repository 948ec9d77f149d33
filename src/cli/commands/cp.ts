import { resolve } from "node:path";
import { WharfError } from "../../errors/index.js";
import { containerArchive, copyFromContainer, copyToContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { humanSizeWithPrecision } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { interruptible, isInterrupted, until } from "./interrupt.js";
import { writeToStdout } from "./stream-out.js";

/**
 * `CONTAINER:PATH` or a local path, as Docker's CLI splits it: an absolute path, a path without
 * `:`, or one starting with `.` is local (`./file:name.txt`).
 */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith("/")) return { path: arg };
  const i = arg.indexOf(":");
  if (i < 0 || arg.startsWith(".")) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** Docker's closing line: the tar's size (go-units, 3 digits) and where it went. */
export function copySummary(bytes: number, dest: string): string {
  return `Successfully copied ${humanSizeWithPrecision(bytes, 3)} to ${dest}`;
}

function usage(message: string): WharfError {
  return new WharfError("invalid-argument", message, {
    hint: "name a container on one side: wharf cp CONTAINER:SRC DEST, or wharf cp SRC CONTAINER:DEST",
  });
}

export const command: Command = {
  path: ["cp"],
  aliases: [["container", "cp"]],
  usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\twharf cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
  description: "Copy files/folders between a container and the local filesystem",
  flags: [
    { name: "archive", short: "a", type: "bool", description: "Archive mode (copy all uid/gid information)" },
    { name: "follow-link", short: "L", type: "bool", description: "Always follow symbol link in SRC_PATH" },
    {
      name: "quiet",
      short: "q",
      type: "bool",
      description:
        "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached",
    },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx: Context, f) {
    const [srcArg = "", dstArg = ""] = f.args;
    if (srcArg === "") throw usage("source can not be empty");
    if (dstArg === "") throw usage("destination can not be empty");
    const src = splitCpArg(srcArg);
    const dst = splitCpArg(dstArg);
    // As Docker: without -q, the summary is shown only when stdout is a terminal.
    const quiet = f.given.has("quiet") ? flag.bool(f, "quiet") : ctx.stdout.isTTY !== true;
    const rt = runtimeContext(ctx);
    const followLink = flag.bool(f, "follow-link");
    const archive = flag.bool(f, "archive");
    if (src.container !== undefined && dst.container !== undefined) {
      throw usage("copying between containers is not supported");
    }
    // ^C stops the copy between chunks, so that a stopped container's mounted view is let go.
    const outcome = await interruptible(async (signal) => {
      if (src.container !== undefined) {
        if (dst.path === "-") {
          await writeToStdout(
            ctx,
            until(containerArchive(rt, src.container, src.path, { followLink }), signal),
          );
          return;
        }
        const r = await copyFromContainer(rt, src.container, src.path, dst.path, {
          followLink,
          archive,
          signal,
        });
        if (!quiet) ctx.err(copySummary(r.bytes, keepTrailing(resolve(dst.path), dst.path)));
        return;
      }
      if (dst.container === undefined) throw usage("must specify at least one container source");
      const from =
        src.path === "-" ? { tar: ctx.stdin as AsyncIterable<Uint8Array> } : { path: src.path, followLink };
      const r = await copyToContainer(rt, dst.container, dst.path, from, { archive, signal });
      if (!quiet && src.path !== "-") ctx.err(copySummary(r.bytes, r.dest));
    });
    if (isInterrupted(outcome)) return outcome.status;
    return 0;
  },
};

function keepTrailing(abs: string, original: string): string {
  if (original.endsWith("/.") && !abs.endsWith("/.")) return `${abs}/.`;
  if (original.endsWith("/") && !abs.endsWith("/")) return `${abs}/`;
  return abs;
}
