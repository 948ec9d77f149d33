import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "../context.js";
import { type FlagSpec, parseFlags } from "../flags.js";
import { acceptsAnything, TRUST_FLAGS } from "./trust-flags.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-trust-flags-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ctx = (env: NodeJS.ProcessEnv) => ({ env, root: "/nonexistent", debug: false }) as unknown as Context;
const flags = (...argv: string[]) => parseFlags(argv, TRUST_FLAGS as FlagSpec[], true);

/** `run` of a local image skips the verifier only when nothing could be refused. */
describe("acceptsAnything", () => {
  it.each([
    ["Debian's default", { default: [{ type: "insecureAcceptAnything" }] }, true],
    ["with empty transports", { default: [{ type: "insecureAcceptAnything" }], transports: {} }, true],
    ["default reject", { default: [{ type: "reject" }] }, false],
    [
      "a scope that asks for signatures",
      {
        default: [{ type: "insecureAcceptAnything" }],
        transports: { docker: { "registry.example.test": [{ type: "reject" }] } },
      },
      false,
    ],
    ["two default rules", { default: [{ type: "insecureAcceptAnything" }, { type: "reject" }] }, false],
  ])("%s → %s", async (name, policy, expected) => {
    const file = join(dir, `${name.replace(/\W/g, "-")}.json`);
    await writeFile(file, JSON.stringify(policy));
    expect(acceptsAnything(ctx({ HOME: dir }), flags("--signature-policy", file))).toBe(expected);
  });

  it("content trust on, or a policy file that does not parse, takes the full way", async () => {
    const ok = join(dir, "ok.json");
    await writeFile(ok, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
    expect(
      acceptsAnything(ctx({ HOME: dir, DOCKER_CONTENT_TRUST: "1" }), flags("--signature-policy", ok)),
    ).toBe(false);
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{not json");
    expect(acceptsAnything(ctx({ HOME: dir }), flags("--signature-policy", bad))).toBe(false);
    expect(acceptsAnything(ctx({ HOME: dir }), flags("--signature-policy", join(dir, "absent.json")))).toBe(
      false,
    );
  });

  it("the user's policy is found before the system's", async () => {
    const home = join(dir, "home");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(home, ".config", "containers"), { recursive: true });
    await writeFile(
      join(home, ".config", "containers", "policy.json"),
      JSON.stringify({ default: [{ type: "reject" }] }),
    );
    expect(acceptsAnything(ctx({ HOME: home }), flags())).toBe(false);
  });
});
