import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getContainer } from "./reconcile.js";
import { type Harness, shimHarnessEach } from "./testing/harness.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

/** Runs the container in the foreground from a node process whose stdio is a pty made by `script`. */
function underPty(
  id: string,
  input?: { after: number; data: string },
): Promise<{ code: number; out: string }> {
  const [node = "", shim = ""] = h.ctx.shim ?? [];
  const driver = join(shim, "..", "testing", "tty-driver.js");
  const arg = JSON.stringify({ root: h.ctx.root, id }).replace(/'/g, "");
  const inner = `stty cols 100 rows 30; '${node}' '${driver}' '${arg}'`;
  const child = spawn("script", ["-qefc", inner, "/dev/null"], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  if (input) setTimeout(() => child.stdin.write(input.data), input.after);
  return new Promise((res) => child.on("close", (code) => res({ code: code ?? -1, out })));
}

describe("foreground TTY on the caller's terminal", () => {
  it("uses the caller's terminal size and returns the exit code", async () => {
    const rec = await h.create({
      // runc sizes the pty just after the process starts (runc 1.1): the process looks until it has.
      args: [
        "sh",
        "-c",
        'i=0; while [ $i -lt 50 ]; do i=$((i+1)); s=$(stty size 2>/dev/null); [ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.1; done; echo "$s"; tty; exit 5',
      ],
      tty: true,
      interactive: true,
    });
    const r = await underPty(rec.id);
    expect(r.code).toBe(5);
    expect(r.out.replace(/\r/g, "")).toMatch(/30 100\n\/dev\/pts\/\d+\n/);
    expect((await getContainer(h.ctx, rec.id)).exitCode).toBe(5);
  });

  it("passes ^C through to the container", async () => {
    const rec = await h.create({
      args: ["sh", "-c", "trap 'echo got-int; exit 130' INT; echo waiting; sleep 30 & wait"],
      tty: true,
      interactive: true,
    });
    const r = await underPty(rec.id, { after: 1500, data: "\x03" });
    expect(r.out).toContain("got-int");
    expect(r.code).toBe(130);
  });
});
