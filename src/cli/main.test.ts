import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ansic } from "./commands/version.js";
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
  });

  it("gives `version --format` Docker's structure: Client's fields, Server null (no daemon)", async () => {
    const v = await runCli(["version", "--format", "json"]);
    expect(v).toMatchObject({ status: 0, stderr: "" });
    const doc = JSON.parse(v.stdout);
    expect(Object.keys(doc)).toEqual(["Client", "Server"]);
    expect(doc.Server).toBeNull();
    expect(doc.Client).toMatchObject({
      Platform: { Name: "wharf" },
      Version: VERSION,
      ApiVersion: "1.44",
      DefaultAPIVersion: "1.44",
      NodeVersion: process.version,
      Context: "default",
    });
    expect(Object.keys(doc.Client)[0]).toBe("Platform");
    expect((await runCli(["version", "-f", "json"])).stdout).toBe(v.stdout);
    const one = await runCli(["version", "--format", "{{.Client.Version}}"]);
    expect(one).toMatchObject({ status: 0, stdout: `${VERSION}\n` });
    const api = await runCli(["version", "-f", "{{.Client.APIVersion}} {{.Client.Os}}/{{.Client.Arch}}"]);
    expect(api.stdout).toMatch(/^1\.44 linux\/\w+\n$/);
    // The build time as Docker prints its own: Go's ANSIC layout, in UTC.
    expect(ansic("2025-05-30T12:07:14.123Z")).toBe("Fri May 30 12:07:14 2025");
    expect(ansic("2026-12-04T07:40:37Z")).toBe("Fri Dec  4 07:40:37 2026");
    const text = await runCli(["version"]);
    expect(text.stdout.split("\n").slice(0, 3)).toEqual([
      "Client: wharf",
      ` Version:           ${VERSION}`,
      " API version:       1.44",
    ]);
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
      const g = await runCli(["widget", "--help"]);
      expect(g.status).toBe(0);
      expect(g.stdout).toContain("Usage:  wharf widget COMMAND");
      expect(g.stdout).toMatch(/^ {2}frob +Frobnicate a widget$/m);
      const bad = await runCli(["widget", "nope"]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain("wharf: unknown command: wharf widget nope");
    } finally {
      COMMANDS.splice(COMMANDS.indexOf(entry), 1);
    }
    expect((await runCli(["widget"])).stderr).toContain("wharf: 'widget' is not a wharf command.");
  });

  it("prints its help on stderr and succeeds when run without arguments, as Docker", async () => {
    const r = await runCli([]);
    expect(r).toMatchObject({ status: 0, stdout: "" });
    expect(r.stderr).toContain("Usage:  wharf [OPTIONS] COMMAND");
    const group = await runCli(["image"]);
    expect(group).toMatchObject({ status: 0, stdout: "" });
    expect(group.stderr).toContain("Usage:  wharf image COMMAND\n\nManage images\n");
  });

  it("answers `help [COMMAND]` for the CLI, a verb, an aliased verb and a group", async () => {
    const all = await runCli(["help"]);
    expect(all).toMatchObject({ status: 0, stderr: "" });
    expect(all.stdout).toContain("Usage:  wharf [OPTIONS] COMMAND");
    const run = await runCli(["help", "run"]);
    expect(run).toMatchObject({ status: 0, stderr: "" });
    expect(run.stdout).toContain("Usage:  wharf run [OPTIONS] IMAGE [COMMAND] [ARG...]");
    const ls = await runCli(["help", "image", "ls"]);
    expect(ls.stdout).toContain("Usage:  wharf images [OPTIONS] [REPOSITORY[:TAG]]");
    const image = await runCli(["help", "image"]);
    expect(image).toMatchObject({ status: 0, stderr: "" });
    expect(image.stdout).toMatch(/^ {2}prune +Remove unused images$/m);
    expect((await runCli(["help", "help"])).stdout).toContain("Usage:  wharf help [COMMAND]");
    const nope = await runCli(["help", "nope"]);
    expect(nope).toMatchObject({ status: 1, stdout: "", stderr: "unknown help topic: nope\n" });
  });

  it("shows a verb's help", async () => {
    const r = await runCli(["version", "--help"]);
    expect(r.stdout).toContain("Usage:  wharf version [OPTIONS]");
    expect(r.stdout).toContain("-f, --format string");
  });
});
