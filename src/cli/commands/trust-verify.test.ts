import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Context } from "../context.js";
import { type FlagSpec, parseFlags } from "../flags.js";
import { TRUST_FLAGS } from "./trust-flags.js";
import { contentTrustOn, policyFor, trustDir } from "./trust-verify.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function ctx(env: NodeJS.ProcessEnv): Context {
  return { env, root: "/nonexistent", debug: false } as unknown as Context;
}
const flags = (...argv: string[]) => parseFlags(argv, TRUST_FLAGS as FlagSpec[], true);

describe("content trust", () => {
  it.each([
    [{}, [], false],
    [{ DOCKER_CONTENT_TRUST: "1" }, [], true],
    [{ DOCKER_CONTENT_TRUST: "true" }, [], true],
    [{ DOCKER_CONTENT_TRUST: "yes" }, [], true],
    [{ DOCKER_CONTENT_TRUST: "0" }, [], false],
    [{ DOCKER_CONTENT_TRUST: "false" }, [], false],
    [{}, ["--disable-content-trust=false"], true],
    [{ DOCKER_CONTENT_TRUST: "1" }, ["--disable-content-trust"], false],
    [{ DOCKER_CONTENT_TRUST: "1" }, ["--disable-content-trust=true"], false],
  ])("env %j flags %j → %s (Docker's rules)", (env, argv, on) => {
    expect(contentTrustOn(ctx(env), flags(...argv))).toBe(on);
  });
  it("keeps keys in Docker's config directory", () => {
    expect(trustDir(ctx({ DOCKER_CONFIG: "/cfg" }))).toBe("/cfg/trust");
  });
});

describe("policy lookup", () => {
  it("--signature-policy, else $XDG_CONFIG_HOME/containers/policy.json, else ~/.config/...", async () => {
    const home = await mkdtemp(join(tmpdir(), "wharf-policy-"));
    dirs.push(home);
    const reject = JSON.stringify({ default: [{ type: "reject" }] });
    await mkdir(join(home, ".config", "containers"), { recursive: true });
    await writeFile(join(home, ".config", "containers", "policy.json"), reject);
    await mkdir(join(home, "xdg", "containers"), { recursive: true });
    await writeFile(join(home, "xdg", "containers", "policy.json"), reject);
    await writeFile(join(home, "given.json"), reject);
    expect((await policyFor(ctx({ HOME: home }), flags()))?.source).toBe(
      join(home, ".config", "containers", "policy.json"),
    );
    expect((await policyFor(ctx({ HOME: home, XDG_CONFIG_HOME: join(home, "xdg") }), flags()))?.source).toBe(
      join(home, "xdg", "containers", "policy.json"),
    );
    expect(
      (await policyFor(ctx({ HOME: home }), flags("--signature-policy", join(home, "given.json"))))?.source,
    ).toBe(join(home, "given.json"));
    await expect(
      policyFor(ctx({ HOME: home }), flags("--signature-policy", join(home, "missing.json"))),
    ).rejects.toThrow(/cannot read the signature policy/);
  });
});

describe("wharf trust", () => {
  it("lists its verbs, the sub-group's too", async () => {
    const { groupHelp } = await import("../help.js");
    const help = groupHelp("trust");
    expect(help).toContain("Manage trust on images");
    for (const verb of ["inspect", "key generate", "revoke", "sign"])
      expect(help).toMatch(new RegExp(`^  ${verb} +\\S`, "m"));
  });
});
