import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./table.js";
import { runCli } from "./testing/capture.js";
import { VERSION } from "./version.js";

describe("wharf CLI", () => {
  it("keeps VERSION in step with package.json", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });

  it("prints help and versions", async () => {
    const h = await runCli(["--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain("Usage:  wharf [OPTIONS] COMMAND");
    expect((await runCli(["-v"])).stdout).toContain(`wharf version ${VERSION}`);
    const v = await runCli(["version", "--format", "json"]);
    expect(JSON.parse(v.stdout).Version).toBe(VERSION);
  });

  it("rejects unknown commands and flags with Docker's wording", async () => {
    const a = await runCli(["frobnicate"]);
    expect(a.status).toBe(1);
    expect(a.stderr).toContain("wharf: 'frobnicate' is not a wharf command.");
    const b = await runCli(["version", "--bogus"]);
    expect(b.status).toBe(125);
    expect(b.stderr).toBe("unknown flag: --bogus\nSee 'wharf version --help'.\n");
    const c = await runCli(["version", "extra"]);
    expect(c.status).toBe(1);
    expect(c.stderr).toContain('"wharf version" accepts no arguments.');
  });

  it("shows a group's help for a group named only by aliases", async () => {
    const entry = {
      path: ["frob"],
      aliases: [["widget", "frob"]],
      description: "Frobnicate a widget",
      load: () => import("./commands/version.js"),
    };
    COMMANDS.push(entry);
    try {
      const g = await runCli(["widget"]);
      expect(g.status).toBe(0);
      expect(g.stdout).toContain("Usage:  wharf widget COMMAND");
      expect(g.stdout).toMatch(/^ {2}frob +Frobnicate a widget$/m);
      const bad = await runCli(["widget", "nope"]);
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain("Usage:  wharf widget COMMAND");
    } finally {
      COMMANDS.splice(COMMANDS.indexOf(entry), 1);
    }
    expect((await runCli(["widget"])).stderr).toContain("wharf: 'widget' is not a wharf command.");
  });

  it("shows a verb's help", async () => {
    const r = await runCli(["version", "--help"]);
    expect(r.stdout).toContain("Usage:  wharf version [OPTIONS]");
    expect(r.stdout).toContain("-f, --format string");
  });
});
