import { statSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { sshProxy } from "./ssh.js";

const temp = tempDirs("wharf-ssh-");

describe("sshProxy", () => {
  it("forwards each connection to the agent, with the socket's mode, and goes away on close", async () => {
    const socket = join(temp(), "agent.sock");
    const agent = createServer((c) =>
      c.on("data", (d) => c.write(Buffer.concat([Buffer.from("agent:"), d]))),
    );
    await new Promise<void>((r) => agent.listen(socket, () => r()));
    try {
      const proxy = await sshProxy({ id: "default", socket }, temp(), { mode: 0o640 });
      expect(statSync(proxy.path).mode & 0o777).toBe(0o640);
      const reply = await new Promise<string>((resolve, reject) => {
        const c = connect(proxy.path, () => c.write("hello"));
        c.on("data", (d) => {
          resolve(d.toString());
          c.destroy();
        });
        c.on("error", reject);
      });
      expect(reply).toBe("agent:hello");
      await proxy.close();
      expect(() => statSync(proxy.path)).toThrow();
    } finally {
      agent.close();
    }
  });
});
