import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFlags } from "./flags.js";
import { applyGlobalFlags, GLOBAL_FLAGS, GLOBAL_VALUE_OPTIONS } from "./global-flags.js";

const apply = (...argv: string[]) => {
  const env: NodeJS.ProcessEnv = {};
  const g = parseFlags([...argv, "images"], GLOBAL_FLAGS, false);
  applyGlobalFlags(g, env);
  return { env, args: g.args };
};

describe("global options", () => {
  it("--config sets DOCKER_CONFIG (absolute); the others are checked, the verb found after them", () => {
    expect(apply("--config", "/tmp/cfg").env.DOCKER_CONFIG).toBe("/tmp/cfg");
    expect(apply("--config", "rel").env.DOCKER_CONFIG).toBe(join(process.cwd(), "rel"));
    const all = apply(
      "-H",
      "unix:///var/run/docker.sock",
      "-c",
      "default",
      "-l",
      "warn",
      "--tlsverify",
      "--tlscacert",
      "/x/ca.pem",
    );
    expect(all.args).toEqual(["images"]);
    expect(all.env).toEqual({});
  });

  it("refuses a daemon over TCP, another context and an unknown level", () => {
    expect(() => apply("-H", "tcp://10.0.0.1:2376")).toThrow(
      "wharf has no daemon to connect to: -H tcp://10.0.0.1:2376",
    );
    expect(() => apply("--host", "ssh://me@box")).toThrow("no daemon");
    expect(() => apply("--context", "remote")).toThrow('context "remote" does not exist');
    expect(() => apply("-l", "verbose")).toThrow("Unable to parse logging level: verbose");
  });

  it("bin/wharf and bin/wharf.cjs skip the same options' values to find the verb", () => {
    const bin = join(import.meta.dirname, "..", "..", "bin");
    const sh = readFileSync(join(bin, "wharf"), "utf8");
    const cjs = readFileSync(join(bin, "wharf.cjs"), "utf8");
    const caseLine = sh.split("\n").find((l) => l.includes("--root |")) ?? "";
    const shOptions = caseLine
      .replace(/\).*$/, "")
      .split("|")
      .map((s) => s.trim());
    expect(shOptions.sort()).toEqual([...GLOBAL_VALUE_OPTIONS].sort());
    for (const o of GLOBAL_VALUE_OPTIONS) expect(cjs).toContain(`"${o}",`);
  });
});
