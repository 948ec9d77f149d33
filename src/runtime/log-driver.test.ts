import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { attachContainer } from "./attach.js";
import { startContainer } from "./lifecycle.js";
import { stopContainer } from "./ops.js";
import { readLogs } from "./read-logs.js";
import { type Harness, Sink, shimHarnessEach } from "./testing/harness.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

describe("--log-driver none", () => {
  it("a foreground run still shows its output; nothing is kept, and logs and attach say why, as Docker's logs does", async () => {
    const r = await h.run({ args: ["echo", "shown"], logOpts: { driver: "none" } });
    expect(r.out).toBe("shown\n");
    const rec = await h.create({
      name: "quiet",
      args: ["sh", "-c", "echo hi; while true; do sleep 0.1; done"],
      logOpts: { driver: "none" },
    });
    await startContainer(h.ctx, "quiet");
    await expect(readLogs(h.ctx, "quiet")).rejects.toThrow(
      "configured logging driver does not support reading",
    );
    await expect(attachContainer(h.ctx, "quiet", { stdout: new Sink(), stderr: new Sink() })).rejects.toThrow(
      "cannot attach to a container made with --log-driver none",
    );
    expect(existsSync(rec.logPath)).toBe(false);
    await stopContainer(h.ctx, "quiet", { timeout: 1 });
  });
});

describe("a logging driver's sink (syslog)", () => {
  it("gets every line the log keeps; with the cache off, nothing is kept and logs says why", async () => {
    const { openLogWriter, keepsLog } = await import("./logs.js");
    const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "wharf-sink-"));
    try {
      const got: string[] = [];
      let closed = false;
      const sink = {
        line: (s: string, t: string) => got.push(`${s}:${t}`),
        close: async () => {
          closed = true;
        },
      };
      const w = openLogWriter(join(dir, "a.log"), { driver: "syslog", syslog: {} }, sink);
      w.write("stdout", Buffer.from("one\ntw"));
      w.write("stderr", Buffer.from("err\n"));
      w.write("stdout", Buffer.from("o\n"));
      await w.close();
      expect(got).toEqual(["stdout:one\n", "stderr:err\n", "stdout:two\n"]);
      expect(closed).toBe(true);
      expect(readFileSync(join(dir, "a.log"), "utf8").split("\n").filter(Boolean)).toHaveLength(3);
      const off = { driver: "syslog" as const, syslog: { "cache-disabled": "true" } };
      expect(keepsLog(off)).toBe(false);
      const w2 = openLogWriter(join(dir, "b.log"), off, sink);
      w2.write("stdout", Buffer.from("x\n"));
      await w2.close();
      expect(got.at(-1)).toBe("stdout:x\n");
      expect(existsSync(join(dir, "b.log"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
