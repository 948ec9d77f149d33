import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import {
  dockerCredentials,
  eraseCredentials,
  getCredentials,
  helperGet,
  INDEX_SERVER,
  listCredentials,
  storeCredentials,
} from "./index.js";
import { installFakeHelper } from "./testing/fake-helper.js";

const tmp = tempDirs("wharf-helper-");

async function setup(config: object) {
  const dir = tmp();
  const helper = await installFakeHelper(join(dir, "helper"));
  await writeFile(join(dir, "config.json"), JSON.stringify(config));
  return { ...helper, dir, opts: { configDir: dir, env: helper.env } };
}

describe("credential helpers", () => {
  it("credsStore: login stores in the helper and leaves an empty marker in auths", async () => {
    const h = await setup({ credsStore: "test", auths: {} });
    await storeCredentials("localhost:5000", { username: "alice", password: "pw1" }, h.opts);
    expect(await h.stored()).toEqual({ "localhost:5000": { Username: "alice", Secret: "pw1" } });
    const text = await readFile(join(h.dir, "config.json"), "utf8");
    expect(JSON.parse(text).auths).toEqual({ "localhost:5000": {} });
    expect(text).not.toContain("pw1");
    expect(await getCredentials("localhost:5000", h.opts)).toEqual({ username: "alice", password: "pw1" });
    expect(await getCredentials("other:5000", h.opts)).toBeUndefined();
    expect(await listCredentials(h.opts)).toEqual({ "localhost:5000": "alice" });

    const out = await eraseCredentials("localhost:5000", h.opts);
    expect(out).toMatchObject({ loggedIn: true, removed: ["localhost:5000"], warnings: [] });
    expect(await h.stored()).toEqual({});
    expect(await h.calls()).toEqual([
      "store localhost:5000",
      "get localhost:5000",
      "get other:5000",
      "list ",
      "erase localhost:5000",
    ]);
  });

  it("credHelpers picks a helper per registry, the rest stays in auths", async () => {
    const h = await setup({ credHelpers: { "reg.example:443": "test" } });
    await storeCredentials("reg.example:443", { username: "a", password: "p" }, h.opts);
    await storeCredentials("localhost:5000", { username: "b", password: "q" }, h.opts);
    expect(Object.keys(await h.stored())).toEqual(["reg.example:443"]);
    const cfg = JSON.parse(await readFile(join(h.dir, "config.json"), "utf8"));
    expect(cfg.auths["reg.example:443"]).toEqual({});
    expect(typeof cfg.auths["localhost:5000"].auth).toBe("string");
    expect(cfg.credHelpers).toEqual({ "reg.example:443": "test" });
  });

  it("passes identity tokens as the <token> user and reads them back", async () => {
    const h = await setup({ credsStore: "test" });
    await storeCredentials("docker.io", { username: "", password: "", identityToken: "rt-9" }, h.opts);
    expect(await h.stored()).toEqual({ [INDEX_SERVER]: { Username: "<token>", Secret: "rt-9" } });
    expect(await getCredentials("docker.io", h.opts)).toEqual({
      username: "",
      password: "",
      identityToken: "rt-9",
    });
  });

  it("dockerCredentials asks the helper once per host", async () => {
    const h = await setup({ credsStore: "test" });
    await storeCredentials("localhost:5000", { username: "u", password: "p" }, h.opts);
    const source = dockerCredentials(h.opts);
    const [a, b] = await Promise.all([source("localhost:5000"), source("localhost:5000")]);
    expect(a).toEqual({ username: "u", password: "p" });
    expect(b).toEqual(a);
    expect((await h.calls()).filter((c) => c.startsWith("get"))).toHaveLength(1);
  });

  it("reports a helper's failure without the secret, and a missing helper clearly", async () => {
    const h = await setup({ credsStore: "test" });
    const err = await storeCredentials(
      "localhost:5000",
      { username: "fail-me", password: "hunter2" },
      h.opts,
    ).then(
      () => new Error("stored"),
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ code: "io" });
    expect(err.message).toContain("refusing to store");
    expect(err.message).not.toContain("hunter2");
    expect(JSON.parse(await readFile(join(h.dir, "config.json"), "utf8"))).toEqual({ credsStore: "test" });

    await expect(helperGet("absent", "x", { env: h.env })).rejects.toMatchObject({
      code: "config-invalid",
      message: "credential helper docker-credential-absent is not installed",
    });
    await expect(helperGet("../evil", "x", { env: h.env })).rejects.toMatchObject({ code: "config-invalid" });
  });

  it("logout still removes the auths entry when the helper holds nothing", async () => {
    const h = await setup({ credsStore: "test", auths: { "localhost:5000": {} } });
    const out = await eraseCredentials("localhost:5000", h.opts);
    expect(out).toMatchObject({ loggedIn: true, removed: ["localhost:5000"], warnings: [] });
    expect(JSON.parse(await readFile(join(h.dir, "config.json"), "utf8")).auths).toEqual({});
  });
});
