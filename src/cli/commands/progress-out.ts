import type { Context } from "../context.js";
import { type ProgressView, progressView } from "../render/index.js";

/** A progress view on stdout: bars on a terminal, Docker's plain lines through `ctx.out` otherwise. */
export function stdoutProgress(ctx: Context): ProgressView {
  if (ctx.stdout.isTTY) {
    return progressView({
      write: (s) => ctx.stdout.write(s),
      tty: true,
      ...(ctx.stdout.columns ? { columns: ctx.stdout.columns } : {}),
    });
  }
  return progressView({ write: (s) => ctx.out(s.replace(/\n$/, "")), tty: false });
}
