import { existsSync, statSync } from "node:fs";
import { dirname, normalize } from "node:path";
import type { Bytes } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import type { Context } from "../context.js";

/** Docker's refusal to write an archive to a terminal (`save`, `export` without `-o`). */
export function refuseTerminal(ctx: Context): void {
  if (ctx.stdout.isTTY) {
    throw new WharfError(
      "invalid-argument",
      "cowardly refusing to save to a terminal. Use the -o flag or redirect",
      {
        hint: "give -o FILE, or redirect the output to a file or a pipe",
      },
    );
  }
}

/**
 * Docker CLI's check of `-o` before anything is read (`save`, `export`), in its words: the file's
 * directory (cleaned, as given) must exist, and the path must not be a directory. `what` is the
 * failure's prefix (`failed to save image`).
 */
export function validateOutputPath(output: string, what: string): void {
  const dir = dirname(normalize(output));
  const fail = (why: string, hint: string) => new WharfError("invalid-argument", `${what}: ${why}`, { hint });
  if (dir !== "." && !existsSync(dir)) {
    throw fail(
      `invalid output path: stat ${dir}: no such file or directory`,
      "make the directory first, or write elsewhere",
    );
  }
  if (existsSync(output) && statSync(output).isDirectory()) {
    throw fail("cannot write to a directory", "give a file name, not a directory");
  }
}

/**
 * Writes a stream to stdout, waiting for it to drain (bounded memory); returns the byte count. A
 * reader that goes away (`| head`: EPIPE) ends the copy quietly, as a shell pipeline expects.
 */
export async function writeToStdout(ctx: Context, src: Bytes): Promise<number> {
  const out = ctx.stdout;
  let failed: (Error & { code?: string }) | undefined;
  const onError = (e: Error) => {
    failed = e;
    out.emit("drain");
  };
  out.on("error", onError);
  let n = 0;
  try {
    for await (const chunk of src) {
      if (failed) break;
      n += chunk.byteLength;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
  } finally {
    out.off("error", onError);
  }
  if (failed && failed.code !== "EPIPE") throw failed;
  return n;
}
