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
