import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detachKeysOf } from "./detach-keys.js";

describe("detachKeysOf", () => {
  let withConfig: string;
  let without: string;

  beforeAll(async () => {
    withConfig = await mkdtemp(join(tmpdir(), "wharf-detach-keys-"));
    without = await mkdtemp(join(tmpdir(), "wharf-detach-keys-none-"));
    await writeFile(join(withConfig, "config.json"), JSON.stringify({ detachKeys: "ctrl-a,x" }));
  });

  afterAll(async () => {
    await rm(withConfig, { recursive: true, force: true });
    await rm(without, { recursive: true, force: true });
  });

  it("takes an empty --detach-keys as none given: config.json's keys, else ctrl-p,ctrl-q", () => {
    expect(detachKeysOf("", { DOCKER_CONFIG: withConfig })).toEqual([0x01, 0x78]);
    expect(detachKeysOf("", { DOCKER_CONFIG: without })).toEqual([0x10, 0x11]);
    expect(detachKeysOf(undefined, { DOCKER_CONFIG: withConfig })).toEqual([0x01, 0x78]);
  });

  it("prefers a given value to config.json's, and refuses a bad one", () => {
    expect(detachKeysOf("ctrl-q", { DOCKER_CONFIG: withConfig })).toEqual([0x11]);
    expect(() => detachKeysOf("ctrl-", { DOCKER_CONFIG: without })).toThrow(
      "invalid detach keys (ctrl-) provided",
    );
  });
});
