import type { Context } from "../context.js";

/** Reads everything on stdin (`--password-stdin`). */
export async function readStdin(ctx: Context): Promise<string> {
  let text = "";
  for await (const chunk of ctx.stdin as AsyncIterable<Buffer | string>) text += chunk.toString();
  return text;
}

/** Reads one line from a terminal; with `hidden`, without echo (passwords). */
export function promptLine(ctx: Context, question: string, hidden = false): Promise<string> {
  const stdin = ctx.stdin as NodeJS.ReadStream;
  ctx.stdout.write(question);
  return new Promise((resolve, reject) => {
    let line = "";
    const raw = hidden && typeof stdin.setRawMode === "function";
    if (raw) stdin.setRawMode(true);
    const done = (err?: Error) => {
      stdin.off("data", onData);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      if (hidden) ctx.stdout.write("\n");
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      for (const c of chunk.toString()) {
        if (c === "\r" || c === "\n") return done();
        if (c === "\u0003") return done(new Error("interrupted"));
        if (c === "\u0004" && line === "") return done(new Error("no input (end of file)"));
        if (c === "\u007f" || c === "\b") line = line.slice(0, -1);
        else line += c;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

/** Asks a question and reads one line of the answer from stdin (a terminal or a pipe). */
export async function readLine(ctx: Context, question: string): Promise<string> {
  if (ctx.stdin.isTTY) return promptLine(ctx, question);
  ctx.stdout.write(question);
  let line = "";
  for await (const chunk of ctx.stdin as AsyncIterable<Buffer | string>) {
    line += chunk.toString();
    const nl = line.indexOf("\n");
    if (nl !== -1) return line.slice(0, nl);
  }
  return line;
}
