import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { htpasswdAuthorizer } from "../../registry/auth/basic.js";
import { startTestRegistry, type TestRegistry } from "../../registry/testing/server.js";
import type { Context } from "../context.js";
import { main } from "../main.js";

let dir: string;
let registry: TestRegistry;
let env: NodeJS.ProcessEnv;

async function cli(argv: string[], stdin = "") {
  let stdout = "";
  let stderr = "";
  const io: Partial<Context> = {
    out: (l = "") => {
      stdout += `${l}\n`;
    },
    err: (l = "") => {
      stderr += `${l}\n`;
    },
    env,
    stdin: Object.assign(Readable.from([stdin]), { isTTY: false }),
  };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

const config = async () => JSON.parse(await readFile(join(dir, "docker", "config.json"), "utf8"));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-login-"));
  await writeFile(join(dir, "htpasswd"), `alice:${bcrypt.hashSync("s3cret", 4)}\n`);
  registry = await startTestRegistry({
    authorizer: await htpasswdAuthorizer({ realm: "test", path: join(dir, "htpasswd") }),
  });
  env = { ...process.env, DOCKER_CONFIG: join(dir, "docker"), WHARF_INSECURE_REGISTRIES: "" };
});

afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe("login and logout", () => {
  it("refuses wrong credentials and stores nothing", async () => {
    const r = await cli(["login", "-u", "alice", "--password-stdin", registry.host], "wrong\n");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unauthorized: incorrect username or password");
    await expect(stat(join(dir, "docker", "config.json"))).rejects.toThrow();
  });

  it("checks usage: -p with --password-stdin, --password-stdin without -u, no TTY", async () => {
    const both = await cli(["login", "-u", "alice", "-p", "x", "--password-stdin", registry.host]);
    expect(both.status).not.toBe(0);
    // As the docker CLI: refused before the warning about -p.
    expect(both.stderr).not.toContain("WARNING!");
    expect(both.stderr).toContain("conflicting options: cannot specify both --password and --password-stdin");
    const noUser = await cli(["login", "--password-stdin", registry.host], "s3cret");
    expect(noUser.stderr).toContain("the --password-stdin option requires --username to be set");
    const noTty = await cli(["login", registry.host]);
    expect(noTty.status).toBe(1);
    expect(noTty.stderr).toContain("Cannot perform an interactive login from a non TTY device");
  });

  it("logs in with --password-stdin and stores the credentials as Docker does (0600)", async () => {
    const r = await cli(["login", "-u", "alice", "--password-stdin", registry.host], "s3cret\n");
    expect(r.stderr).toContain("WARNING! Your credentials are stored unencrypted");
    expect(r).toMatchObject({ status: 0, stdout: "Login Succeeded\n" });
    expect(r.stdout + r.stderr).not.toContain("s3cret");
    const auth = (await config()).auths[registry.host].auth;
    expect(Buffer.from(auth, "base64").toString()).toBe("alice:s3cret");
    expect((await stat(join(dir, "docker", "config.json"))).mode & 0o777).toBe(0o600);
  });

  it("logs in with -p after warning about it", async () => {
    const r = await cli(["login", "-u", "alice", "-p", "s3cret", `http://${registry.host}/`]);
    expect(r.status).toBe(0);
    expect(r.stderr.split("\n")[0]).toBe(
      "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
    );
  });

  it("reuses stored credentials when none are given", async () => {
    const r = await cli(["login", registry.host]);
    expect(r).toMatchObject({
      status: 0,
      stdout: "Authenticating with existing credentials... [Username: alice]\nLogin Succeeded\n",
    });
  });

  it("logs out, then says it is not logged in", async () => {
    const first = await cli(["logout", registry.host]);
    expect(first).toMatchObject({ status: 0, stdout: `Removing login credentials for ${registry.host}\n` });
    expect((await config()).auths[registry.host]).toBeUndefined();
    const again = await cli(["logout", registry.host]);
    expect(again).toMatchObject({ status: 0, stdout: `Not logged in to ${registry.host}\n` });
  });
});
