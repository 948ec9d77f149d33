import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { exitMarker, failureFilter, terminalCommand } from "./exec-terminal.js";

const TOKEN = "0123456789abcdef01234567";
const MARK = `\x1b]wharf-exit;${TOKEN}:`;

function scanAll(chunks: string[]): { out: string; code?: number; rest: string } {
  const m = exitMarker(TOKEN);
  let out = "";
  let code: number | undefined;
  for (const c of chunks) {
    const r = m.scan(Buffer.from(c, "latin1"));
    out += r.pass.toString("latin1");
    if (r.code !== undefined) code = r.code;
  }
  return { out, ...(code !== undefined ? { code } : {}), rest: m.rest().toString("latin1") };
}

describe("exitMarker", () => {
  it("passes the output before the mark and reads the status after it", () => {
    expect(scanAll([`hello\r\n${MARK}3;`])).toEqual({ out: "hello\r\n", code: 3, rest: "" });
  });

  it("finds the mark cut anywhere across chunks, and passes nothing of it", () => {
    const whole = `out${MARK}130;`;
    for (let i = 1; i < whole.length; i++) {
      for (let j = i + 1; j < whole.length; j++) {
        expect(scanAll([whole.slice(0, i), whole.slice(i, j), whole.slice(j)])).toEqual({
          out: "out",
          code: 130,
          rest: "",
        });
      }
    }
  });

  it("passes on what only began like the mark, and a mark with another token", () => {
    expect(scanAll(["a\x1b]wh", "at\r\n"])).toEqual({ out: "a\x1b]what\r\n", rest: "" });
    const other = "\x1b]wharf-exit;ffffffffffffffffffffffff:0;";
    expect(scanAll([other])).toEqual({ out: other, rest: "" });
  });

  it("holds back the end of output that stopped inside the mark", () => {
    expect(scanAll([`x${MARK.slice(0, 5)}`])).toEqual({ out: "x", rest: MARK.slice(0, 5) });
    expect(scanAll([`x${MARK}1`])).toEqual({ out: "x", rest: `${MARK}1` });
  });
});

describe("failureFilter", () => {
  it("holds back runc's failure line, then drops or passes it", () => {
    for (const wasRunc of [true, false]) {
      const seen: string[] = [];
      const f = failureFilter((c) => seen.push(Buffer.from(c).toString()));
      f.write(Buffer.from('before\r\nexec failed: unable to start container process: exec: "x"\r\n'));
      f.write(Buffer.from("after\r\n"));
      expect(seen).toEqual(["before\r\n"]);
      f.finish(wasRunc);
      expect(seen.join("")).toBe(
        wasRunc
          ? "before\r\n"
          : 'before\r\nexec failed: unable to start container process: exec: "x"\r\nafter\r\n',
      );
    }
  });

  it("passes output that merely mentions the words", () => {
    const seen: string[] = [];
    const f = failureFilter((c) => seen.push(Buffer.from(c).toString()));
    f.write(Buffer.from("the exec failed: retry\r\n"));
    expect(seen).toEqual(["the exec failed: retry\r\n"]);
  });
});

describe("terminalCommand", () => {
  it("runs the command on a pty of the given size under script, then marks its status", async () => {
    const argv = ["sh", "-c", `stty size; echo "it's"; exit 7`];
    const [cmd = "", ...args] = terminalCommand(argv, [33, 101], TOKEN);
    expect(cmd).toBe("script");
    const child = spawn(cmd, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, SHELL: "/bin/sh" },
    });
    const m = exitMarker(TOKEN);
    let out = "";
    const code = await new Promise<number | undefined>((resolve) => {
      child.stdout.on("data", (c: Buffer) => {
        const r = m.scan(c);
        out += r.pass.toString();
        if (r.code !== undefined) resolve(r.code);
      });
      child.on("close", () => resolve(undefined));
    });
    child.stdin.end();
    expect(code).toBe(7);
    expect(out.replace(/\r/g, "")).toBe("33 101\nit's\n");
  });

  it("leaves the size alone when it is not known", () => {
    const line = terminalCommand(["true"], undefined, TOKEN)[2] ?? "";
    expect(line).not.toContain("stty");
    expect(line.startsWith("'true'; printf ")).toBe(true);
  });
});
