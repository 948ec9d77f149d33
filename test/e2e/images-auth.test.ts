import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage, busyboxSpec, type LayoutImage } from "./helpers/layout.js";
import { type RunningRegistry, startWharfRegistry } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateOnRegistry, validateRoot } from "./helpers/validate.js";
import { type CliResult, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const USER = "alice";
const PASSWORD = "wonder-land-42";

/**
 * `wharf registry serve` with its built-in token server and an htpasswd file (no anonymous tokens):
 * `wharf login`, then pull and push through Bearer tokens; without login, a clear refusal; logout.
 */
describe("wharf login, pull and push against wharf's token-auth registry", () => {
  let dir: string;
  let reg: RunningRegistry;
  let cli: WharfCli;
  let image: LayoutImage;
  const outputs: CliResult[] = [];
  const run = async (...args: string[]) => {
    const r = await cli.run(args);
    outputs.push(r);
    return r;
  };
  const configFile = () => join(cli.dockerConfig, "config.json");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-images-auth-"));
    const htpasswd = join(dir, "htpasswd");
    await writeFile(htpasswd, `${USER}:${bcrypt.hashSync(PASSWORD, 6).replace(/^\$2b\$/, "$2y$")}\n`);
    reg = await startWharfRegistry({
      extraYaml: ["wharf:", "  tokenserver:", `    htpasswd: ${htpasswd}`].join("\n"),
    });
    cli = await wharfCli();
    const layout = join(dir, "layout");
    image = await addImage(layout, busyboxSpec("bb"));
    await skopeo(
      "copy",
      "--dest-tls-verify=false",
      "--dest-creds",
      `${USER}:${PASSWORD}`,
      `oci:${layout}:bb`,
      `docker://${reg.host}/team/base:1`,
    );
  }, 90_000);

  afterAll(async () => {
    await cli?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses an anonymous pull with a clear error and a non-zero exit", async () => {
    const pull = await run("pull", `${reg.host}/team/base:1`);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/^Error: .*(unauthorized|authentication required|denied)/im);
    expect(pull.stderr).toMatch(/^Hint: .*wharf login/im);
    expect(pull.stdout).not.toContain("Status:");
  });

  it("rejects a wrong password and stores nothing", async () => {
    const r = await run("login", "-u", USER, "-p", "not-the-password", reg.host);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^Error: .*(unauthorized|incorrect|denied)/im);
    expect(r.stdout).not.toContain("Login Succeeded");
    const stored = await readFile(configFile(), "utf8").catch(() => "");
    expect(stored).not.toContain(reg.host);
  });

  it("logs in (config.json 0600, Docker's auths entry), then pulls and pushes", async () => {
    const login = await run("login", "-u", USER, "-p", PASSWORD, reg.host);
    expect(login.code).toBe(0);
    expect(login.stdout).toContain("Login Succeeded");
    expect(login.stderr).toContain("WARNING! Using --password via the CLI is insecure");
    expect((await stat(configFile())).mode & 0o777).toBe(0o600);
    const config = JSON.parse(await readFile(configFile(), "utf8"));
    expect(config.auths[reg.host].auth).toBe(Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));

    const pull = await run("pull", `${reg.host}/team/base:1`);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain(`Digest: ${image.manifest.digest}`);

    await cli.ok("tag", `${reg.host}/team/base:1`, `${reg.host}/team/mine:2`);
    const push = await run("push", `${reg.host}/team/mine:2`);
    expect(push.stderr).toBe("");
    expect(push.code).toBe(0);
    expect(push.stdout).toContain(`2: digest: ${image.manifest.digest}`);
    const seen = JSON.parse(
      await skopeo(
        "inspect",
        "--tls-verify=false",
        "--creds",
        `${USER}:${PASSWORD}`,
        `docker://${reg.host}/team/mine:2`,
      ),
    );
    expect(seen.Digest).toBe(image.manifest.digest);
    await validateRoot(cli.root);
    await validateOnRegistry(reg.host, "team/mine", "2", {
      credentials: async () => ({ username: USER, password: PASSWORD }),
    });
  }, 60_000);

  it("logs out; a push is then refused", async () => {
    const out = await run("logout", reg.host);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`Removing login credentials for ${reg.host}`);
    const config = JSON.parse(await readFile(configFile(), "utf8"));
    expect(config.auths?.[reg.host]).toBeUndefined();

    await cli.ok("tag", `${reg.host}/team/base:1`, `${reg.host}/team/other:1`);
    const push = await run("push", `${reg.host}/team/other:1`);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/^Error: .*(unauthorized|authentication required|denied)/im);
    expect(push.stderr).toContain(`Hint: run: wharf login ${reg.host}`);
    expect(push.stdout).not.toContain("digest:");

    const again = await run("logout", reg.host);
    expect(again.stdout).toContain(`Not logged in to ${reg.host}`);
    await validateRoot(cli.root);
  }, 60_000);

  it("never printed the password", () => {
    expect(outputs.length).toBeGreaterThan(5);
    for (const r of outputs) expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
  });
});
