import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeE2E, composeIn, composeTeardown, downs, writeProject } from "./helpers/compose.js";
import type { RunningRegistry } from "./helpers/registries.js";
import type { WharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "echo", "cat", "sleep", "stat"];

const PROFILES = `name: e2eprof
services:
  web: {image: "\${IMAGE}", init: true, command: [sleep, "300"]}
  debug: {image: "\${IMAGE}", init: true, command: [sleep, "300"], profiles: [debug]}
  tool: {image: "\${IMAGE}", init: true, command: [sleep, "300"], profiles: [tools]}
  admin: {image: "\${IMAGE}", init: true, command: [sleep, "300"], profiles: [admin], depends_on: [debug]}
`;

const SECRETS = `name: e2esec
services:
  app:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    secrets:
      - source: token
        mode: 0400
      - source: key
        target: server.key
        uid: "1000"
        gid: "1001"
        mode: 0400
    configs:
      - app.conf
      - source: inline
        target: /etc/inline.conf
secrets:
  token: {file: ./token.txt}
  key: {environment: KEY}
configs:
  app.conf: {file: ./conf/app.conf}
  inline: {content: "inline=\${INLINE:-1}"}
`;

/** The profiles, secrets and configs, extends and include of `wharf compose` with the built CLI and runc. */
describe("compose: profiles, secrets, configs, extends, include", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const compose = (proj: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    cli.run([...composeIn(proj), ...args], {
      env: { IMAGE: image, ...env },
    });
  const exists = async (name: string) => (await cli.run(["inspect", name])).code === 0;
  const exec = async (proj: string, svc: string, ...cmd: string[]) => {
    const r = await compose(proj, ["exec", "-T", svc, ...cmd]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-features",
      repo: "composefeatures",
      applets: APPLETS,
    }));
  }, 120_000);

  afterAll(() =>
    composeTeardown({ dir, reg, cli }, { commands: downs(["e2eprof", "e2esec", "e2eext"], "-v") }),
  );

  it("profiles: an inactive service is not made; --profile, COMPOSE_PROFILES and naming it start it", async () => {
    const proj = await writeProject(join(dir, "prof"), { "compose.yaml": PROFILES });
    const up = await compose(proj, ["up", "-d"]);
    expect(up.stderr).toContain(" Container e2eprof-web-1  Started");
    expect(up.code).toBe(0);
    expect(await exists("e2eprof-web-1")).toBe(true);
    expect(await exists("e2eprof-debug-1")).toBe(false);
    expect(await exists("e2eprof-tool-1")).toBe(false);

    const config = await compose(proj, ["config", "--services"]);
    expect(config.stdout.trim().split("\n")).toEqual(["web"]);
    const profiles = await compose(proj, ["config", "--profiles"]);
    expect(profiles.stdout).toBe("admin\ndebug\ntools\n");

    // --profile before the verb, as `docker compose --profile debug up -d`.
    const dbg = await compose(proj, ["--profile", "debug", "up", "-d"]);
    expect(dbg.code).toBe(0);
    expect(dbg.stderr).toContain(" Container e2eprof-web-1  Running");
    expect(dbg.stderr).toContain(" Container e2eprof-debug-1  Started");
    expect(await exists("e2eprof-tool-1")).toBe(false);

    const env = await compose(proj, ["up", "-d"], { COMPOSE_PROFILES: "tools,other" });
    expect(env.code).toBe(0);
    // The debug service, its profile not active now, is not an orphan.
    expect(env.stderr).not.toContain("orphan");
    expect(await exists("e2eprof-tool-1")).toBe(true);

    // Named on the command line, a service starts whatever its profiles; one that requires a
    // disabled service is refused in Compose's words, nothing made.
    const refused = await compose(proj, ["up", "-d", "admin"], { COMPOSE_PROFILES: "" });
    expect(refused.stderr).toContain(
      'Error: service "debug" is required by "admin" but is disabled. Can be enabled by profiles [debug]',
    );
    expect(refused.code).not.toBe(0);
    expect(await exists("e2eprof-admin-1")).toBe(false);
    const named = await compose(proj, ["--profile", "debug", "up", "-d", "admin"]);
    expect(named.code).toBe(0);
    expect(named.stderr).toContain(" Container e2eprof-admin-1  Started");
    expect((await compose(proj, ["ps", "--services"])).stdout.trim().split("\n").sort()).toEqual([
      "admin",
      "debug",
      "tool",
      "web",
    ]);

    // down takes down the active services only (as Compose); with every profile, all of them.
    const down = await compose(proj, ["down"]);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(" Container e2eprof-web-1  Removed");
    expect(down.stderr).not.toContain("orphan");
    expect(await exists("e2eprof-web-1")).toBe(false);
    expect(await exists("e2eprof-debug-1")).toBe(true);
    const all = await compose(proj, ["--profile", "*", "down"]);
    expect(all.code).toBe(0);
    expect(all.stderr).toContain(" Container e2eprof-debug-1  Removed");
    expect(all.stderr).toContain(" Network e2eprof_default  Removed");
    expect(await exists("e2eprof-admin-1")).toBe(false);
  }, 120_000);

  it("secrets and configs: read in the container at Compose's places, mode and owner honoured; a change recreates", async () => {
    const proj = await writeProject(join(dir, "sec"), {
      "compose.yaml": SECRETS,
      "token.txt": "from-file\n",
      "conf/app.conf": "conf=1\n",
    });
    await chmod(join(proj, "token.txt"), 0o640);
    const up = await compose(proj, ["up", "-d"], { KEY: "from-env" });
    expect(up.stderr).toContain(" Container e2esec-app-1  Started");
    expect(up.code).toBe(0);
    // A file's secret keeps the file's mode: Compose's warning for the mode asked.
    expect(up.stderr).toContain(
      "WARN[0000] secrets `uid`, `gid` and `mode` are not supported, they will be ignored",
    );

    // A secret from a file: bind-mounted read-only, the host file's mode.
    expect(await exec(proj, "app", "cat", "/run/secrets/token")).toBe("from-file\n");
    expect(await exec(proj, "app", "stat", "-c", "%a", "/run/secrets/token")).toBe("640\n");
    const write = await compose(proj, ["exec", "-T", "app", "sh", "-c", "echo x > /run/secrets/token"]);
    expect(write.stderr).toContain("Read-only file system");
    expect(write.code).not.toBe(0);
    // A secret from a variable: written with its target, mode, uid and gid.
    expect(await exec(proj, "app", "cat", "/run/secrets/server.key")).toBe("from-env");
    expect(await exec(proj, "app", "stat", "-c", "%a %u %g", "/run/secrets/server.key")).toBe(
      "400 1000 1001\n",
    );
    // Configs: a file at /<name>, inline content at its target, world-readable by default.
    expect(await exec(proj, "app", "cat", "/app.conf")).toBe("conf=1\n");
    expect(await exec(proj, "app", "cat", "/etc/inline.conf")).toBe("inline=1");
    expect(await exec(proj, "app", "stat", "-c", "%a %u", "/etc/inline.conf")).toBe("444 0\n");

    const config = await compose(proj, ["config"], { KEY: "from-env" });
    expect(config.stdout).toContain(
      `secrets:\n  token:\n    name: e2esec_token\n    file: ${join(proj, "token.txt")}\n`,
    );
    expect(config.stdout).toContain("  key:\n    name: e2esec_key\n    environment: KEY\n");
    expect(config.stdout).not.toContain("from-env");

    // A one-off container gets them too.
    const run = await compose(
      proj,
      ["run", "--rm", "-T", "app", "cat", "/run/secrets/server.key", "/etc/inline.conf"],
      {
        KEY: "from-env",
      },
    );
    expect(run.stdout).toBe("from-envinline=1");
    expect(run.code).toBe(0);

    const same = await compose(proj, ["up", "-d"], { KEY: "from-env" });
    expect(same.stderr).toContain(" Container e2esec-app-1  Running");
    // A changed secret (the variable) or config (the file) recreates the container.
    const changed = await compose(proj, ["up", "-d"], { KEY: "rotated" });
    expect(changed.stderr).toContain(" Container e2esec-app-1  Recreated");
    expect(await exec(proj, "app", "cat", "/run/secrets/server.key")).toBe("rotated");
    await writeFile(join(proj, "conf", "app.conf"), "conf=2\n");
    const again = await compose(proj, ["up", "-d"], { KEY: "rotated" });
    expect(again.stderr).toContain(" Container e2esec-app-1  Recreated");
    expect(await exec(proj, "app", "cat", "/app.conf")).toBe("conf=2\n");

    // external: refused as Compose refuses it without a swarm; a missing variable too.
    await writeFile(
      join(proj, "compose.yaml"),
      `${SECRETS.replace("key: {environment: KEY}", "key: {external: true}")}`,
    );
    const ext = await compose(proj, ["up", "-d"]);
    expect(ext.stderr).toContain("Error: unsupported external secret key");
    expect(ext.code).not.toBe(0);
    await writeFile(join(proj, "compose.yaml"), SECRETS);
    const unset = await compose(proj, ["up", "-d", "--force-recreate"]);
    expect(unset.stderr).toContain('Error: environment variable "KEY" required by secret "key" is not set');
    expect(unset.code).not.toBe(0);
  }, 120_000);

  it("extends and include: the project comes up with the merged settings", async () => {
    const proj = await writeProject(join(dir, "ext"), {
      "common/base.yaml": `services:
  base:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    environment: {FROM_BASE: base, OVERRIDDEN: base}
    volumes: ["./shared:/shared:ro"]
`,
      "common/shared/note": "shared-from-common\n",
      "lib/compose.yaml": `services:
  lib:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    environment: {LIB_GREETING: "\${LIB_GREETING}"}
    volumes: ["./files:/files:ro", "libdata:/data"]
volumes:
  libdata: {}
`,
      "lib/.env": "LIB_GREETING=from-lib-env\n",
      "lib/files/f": "lib-file\n",
      "compose.yaml": `name: e2eext
include: [lib/compose.yaml]
services:
  web:
    extends: {file: common/base.yaml, service: base}
    environment: {OVERRIDDEN: web}
    depends_on: [lib]
`,
    });
    const up = await compose(proj, ["up", "-d"]);
    expect(up.stderr).toContain(' Volume "e2eext_libdata"  Created');
    expect(up.stderr).toContain(" Container e2eext-lib-1  Started");
    expect(up.stderr).toContain(" Container e2eext-web-1  Started");
    expect(up.code).toBe(0);
    expect(await exec(proj, "web", "sh", "-c", "echo $FROM_BASE; echo $OVERRIDDEN")).toBe("base\nweb\n");
    expect(await exec(proj, "web", "cat", "/shared/note")).toBe("shared-from-common\n");
    expect(await exec(proj, "lib", "sh", "-c", "echo $LIB_GREETING")).toBe("from-lib-env\n");
    expect(await exec(proj, "lib", "cat", "/files/f")).toBe("lib-file\n");

    // A service the included project defines too is refused in Compose's words, nothing changed.
    await writeFile(
      join(proj, "compose.yaml"),
      `name: e2eext\ninclude: [lib/compose.yaml]\nservices:\n  lib: {image: "\${IMAGE}"}\n`,
    );
    const conflict = await compose(proj, ["up", "-d"]);
    expect(conflict.stderr).toContain("Error: services.lib conflicts with imported resource");
    expect(conflict.code).not.toBe(0);
    expect(await cli.ok("exec", "e2eext-lib-1", "sh", "-c", "echo $LIB_GREETING")).toBe("from-lib-env\n");
  }, 120_000);
});
