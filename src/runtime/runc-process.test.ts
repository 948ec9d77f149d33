import { describe, expect, it } from "vitest";
import { ttyCommand } from "./runc-process.js";

describe("ttyCommand", () => {
  it("runs runc under script, sized first from inside the pty when a size is known", () => {
    const argv = ["/usr/sbin/runc", "run", "--bundle", "/b it's", "id"];
    expect(ttyCommand({ stdin: "hold", tty: "none" }, argv)).toEqual(argv);
    expect(ttyCommand({ stdin: "hold", tty: "direct", size: [40, 120] }, argv)).toEqual(argv);
    expect(ttyCommand({ stdin: "hold", tty: "script" }, argv)).toEqual([
      "script",
      "-qefc",
      "'/usr/sbin/runc' 'run' '--bundle' '/b it'\\''s' 'id'",
      "/dev/null",
    ]);
    expect(ttyCommand({ stdin: "hold", tty: "script", size: [40, 120] }, argv)[2]).toBe(
      "stty rows 40 cols 120 2>/dev/null; exec '/usr/sbin/runc' 'run' '--bundle' '/b it'\\''s' 'id'",
    );
    // No size (no terminal at create): script's own.
    expect(ttyCommand({ stdin: "hold", tty: "script", size: [0, 0] }, argv)[2]).not.toContain("stty");
  });
});
