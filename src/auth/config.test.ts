import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import {
  configPath,
  decodeAuth,
  encodeAuth,
  eraseCredentials,
  getCredentials,
  INDEX_SERVER,
  listCredentials,
  loadConfig,
  storeCredentials,
} from "./index.js";

const tmp = tempDirs("wharf-auth-");

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, "utf8"));
}

describe("config.json location", () => {
  it("uses DOCKER_CONFIG, else ~/.docker under HOME", () => {
    expect(configPath({ env: { DOCKER_CONFIG: "/x/cfg" } })).toBe("/x/cfg/config.json");
    expect(configPath({ env: { HOME: "/home/u" } })).toBe("/home/u/.docker/config.json");
    expect(configPath({ configDir: "/d", env: { DOCKER_CONFIG: "/x" } })).toBe("/d/config.json");
  });
});

describe("auths in config.json", () => {
  it("round-trips credentials, keeps unknown keys, writes mode 0600 atomically", async () => {
    const dir = await tmp();
    const opts = { env: { DOCKER_CONFIG: dir } };
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({
        psFormat: "table {{.ID}}",
        proxies: { default: { httpProxy: "http://proxy:3128" } },
        auths: { "other.example:5000": { auth: encodeAuth("bob", "b0b"), email: "bob@example.com" } },
      }),
    );
    const key = await storeCredentials("localhost:5000", { username: "alice", password: "s3:cr:et" }, opts);
    expect(key).toBe("localhost:5000");
    const doc = await readJson(join(dir, "config.json"));
    expect(doc.psFormat).toBe("table {{.ID}}");
    expect(doc.proxies).toEqual({ default: { httpProxy: "http://proxy:3128" } });
    const auths = doc.auths as Record<string, Record<string, string>>;
    expect(auths["other.example:5000"]?.email).toBe("bob@example.com");
    expect(Buffer.from(auths["localhost:5000"]?.auth ?? "", "base64").toString()).toBe("alice:s3:cr:et");
    expect((await stat(join(dir, "config.json"))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["config.json"]);
    expect(await getCredentials("localhost:5000", opts)).toEqual({ username: "alice", password: "s3:cr:et" });
    expect(await getCredentials("other.example:5000", opts)).toEqual({ username: "bob", password: "b0b" });
    expect(await getCredentials("nowhere.example", opts)).toBeUndefined();
    expect(await listCredentials(opts)).toEqual({ "other.example:5000": "bob", "localhost:5000": "alice" });
  });

  it("stores Docker Hub under the legacy index key and finds it by any Hub name", async () => {
    const dir = await tmp();
    const opts = { env: { DOCKER_CONFIG: dir } };
    await storeCredentials("docker.io", { username: "u", password: "p" }, opts);
    const doc = await readJson(join(dir, "config.json"));
    expect(Object.keys(doc.auths as object)).toEqual([INDEX_SERVER]);
    expect(await getCredentials("docker.io", opts)).toEqual({ username: "u", password: "p" });
    expect(await getCredentials("index.docker.io", opts)).toEqual({ username: "u", password: "p" });
  });

  it("finds entries saved under older spellings of the server (scheme, path)", async () => {
    const dir = await tmp();
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({ auths: { "http://127.0.0.1:5000/v2/": { auth: encodeAuth("x", "y") } } }),
    );
    expect(await getCredentials("127.0.0.1:5000", { configDir: dir })).toEqual({
      username: "x",
      password: "y",
    });
  });

  it("keeps identity tokens and registry tokens", async () => {
    const dir = await tmp();
    const opts = { configDir: dir };
    await storeCredentials("reg.example", { username: "", password: "", identityToken: "refresh-1" }, opts);
    const doc = await readJson(join(dir, "config.json"));
    expect(doc.auths).toEqual({ "reg.example": { identitytoken: "refresh-1" } });
    expect(await getCredentials("reg.example", opts)).toEqual({
      username: "",
      password: "",
      identityToken: "refresh-1",
    });
  });

  it("writes through a symlinked config.json", async () => {
    const dir = await tmp();
    await mkdir(join(dir, "real"));
    await writeFile(join(dir, "real", "config.json"), "{}");
    await mkdir(join(dir, "cfg"));
    await symlink(join(dir, "real", "config.json"), join(dir, "cfg", "config.json"));
    await storeCredentials(
      "localhost:5000",
      { username: "a", password: "b" },
      { configDir: join(dir, "cfg") },
    );
    expect(Object.keys((await readJson(join(dir, "real", "config.json"))).auths as object)).toEqual([
      "localhost:5000",
    ]);
  });

  it("refuses a corrupt file and leaves it as it was", async () => {
    const dir = await tmp();
    await writeFile(join(dir, "config.json"), "{not json");
    await expect(
      storeCredentials("localhost:5000", { username: "a", password: "b" }, { configDir: dir }),
    ).rejects.toMatchObject({ code: "config-invalid" });
    expect(await readFile(join(dir, "config.json"), "utf8")).toBe("{not json");
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths: { h: { auth: "bm9jb2xvbg==" } } }));
    await expect(getCredentials("h", { configDir: dir })).rejects.toMatchObject({ code: "config-invalid" });
  });

  it("decodes auth at the first colon", () => {
    expect(decodeAuth(encodeAuth("u", "a:b:c"))).toEqual({ username: "u", password: "a:b:c" });
    expect(decodeAuth("")).toEqual({ username: "", password: "" });
  });
});

describe("logout", () => {
  it("removes the key and its older spellings, as docker logout does", async () => {
    const dir = await tmp();
    const opts = { configDir: dir };
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({
        auths: {
          "localhost:5000": { auth: encodeAuth("a", "b") },
          "https://localhost:5000": { auth: encodeAuth("a", "b") },
          "keep.example": { auth: encodeAuth("c", "d") },
        },
        credsStore: "",
      }),
    );
    const r = await eraseCredentials("localhost:5000", opts);
    expect(r).toMatchObject({ server: "localhost:5000", loggedIn: true, warnings: [] });
    expect(r.removed.sort()).toEqual(["https://localhost:5000", "localhost:5000"]);
    const cfg = await loadConfig(opts);
    expect(Object.keys(cfg.auths ?? {})).toEqual(["keep.example"]);
    expect(cfg.credsStore).toBe("");
    const again = await eraseCredentials("localhost:5000", opts);
    expect(again).toMatchObject({ server: "localhost:5000", loggedIn: false, removed: [] });
  });

  it("logs out of Docker Hub by its legacy key", async () => {
    const dir = await tmp();
    await storeCredentials("docker.io", { username: "u", password: "p" }, { configDir: dir });
    const r = await eraseCredentials("docker.io", { configDir: dir });
    expect(r).toMatchObject({ server: INDEX_SERVER, loggedIn: true, removed: [INDEX_SERVER] });
    expect((await loadConfig({ configDir: dir })).auths).toEqual({});
  });
});
