import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/registry/testing/distribution.js";
import { composeE2E, composeTeardown, downs, writeProject } from "./helpers/compose.js";
import type { RunningRegistry } from "./helpers/registries.js";
import type { WharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "echo", "cat", "sleep", "true", "httpd", "wget", "mkdir", "hostname"];

async function httpGet(url: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(url);
      return await r.text();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Two services: `db` (an image, a named volume, a health check) and `web` (built, published, depends on db healthy). */
const COMPOSE = `services:
  db:
    image: \${IMAGE}
    init: true
    command: sh -c 'echo db-ready; echo stored > /data/x; exec httpd -f -p 80 -h /data'
    volumes: [data:/data]
    healthcheck:
      test: [CMD, wget, -qO-, http://localhost/x]
      interval: 1s
      retries: 20
  web:
    init: true
    build:
      context: ./web
      args:
        BASE: \${IMAGE}
    environment:
      GREETING: \${GREETING:-hello}
    command: sh -c 'echo "$$GREETING" > /www/index.html; wget -qO- http://db/x > /www/db.txt; echo web-up; exec httpd -f -p 80 -h /www'
    ports: ["127.0.0.1:\${PORT}:80"]
    depends_on:
      db: {condition: service_healthy}
volumes:
  data: {}
`;

/**
 * `wharf compose` end to end: the built CLI, runc, the CNI plugins, a busybox image pulled from
 * Distribution and one built from a Dockerfile.
 */
describe("compose", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let proj: string;
  let image: string;
  let port: number;
  const compose = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    cli.run(["compose", "-f", join(proj, "compose.yaml"), ...args], { env: { PORT: String(port), ...env } });
  const psJson = async () =>
    (await compose(["ps", "-a", "--format", "json"])).stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({ name: "compose", repo: "composebox", applets: APPLETS }));
    port = await freePort();
    proj = await writeProject(join(dir, "E2E Compose"), {
      "compose.yaml": COMPOSE,
      ".env": `IMAGE=${image}\nGREETING=from-dotenv-is-overridden-below\n`,
      "web/Dockerfile": "ARG BASE\nFROM $BASE\nRUN mkdir /www\n",
    });
  }, 120_000);

  afterAll(() =>
    composeTeardown({ dir, reg, cli }, { commands: downs(["e2ecompose", "e2e-attached", "e2e-bad"], "-v") }),
  );

  it("up -d: network, volume, build, pull; db healthy before web starts; web published and reaching db by name", async () => {
    const r = await compose(["up", "-d"], { GREETING: "hello" });
    expect(r.stderr).toContain(" Network e2ecompose_default  Created");
    expect(r.stderr).toContain(' Volume "e2ecompose_data"  Created');
    expect(r.stderr).toContain(" web  Built");
    expect(r.code).toBe(0);
    const lines = r.stderr.split("\n");
    const at = (l: string) => lines.indexOf(l);
    expect(at(" Container e2ecompose-db-1  Healthy")).toBeGreaterThan(
      at(" Container e2ecompose-db-1  Started"),
    );
    expect(at(" Container e2ecompose-web-1  Starting")).toBeGreaterThan(
      at(" Container e2ecompose-db-1  Healthy"),
    );
    expect(at(" Container e2ecompose-web-1  Started")).toBeGreaterThan(0);

    // The host reaches web's published port; web fetched db's file by the service name.
    expect(await httpGet(`http://127.0.0.1:${port}/index.html`)).toBe("hello\n");
    expect(await httpGet(`http://127.0.0.1:${port}/db.txt`)).toBe("stored\n");
    // And db reaches web by its name.
    const ex = await compose(["exec", "db", "wget", "-qO-", "http://web/index.html"]);
    expect(ex.stdout).toBe("hello\n");
    expect(ex.code).toBe(0);

    const net = JSON.parse(await cli.ok("network", "inspect", "e2ecompose_default")) as {
      Labels: Record<string, string>;
    }[];
    expect(net[0]?.Labels["com.docker.compose.project"]).toBe("e2ecompose");
    const vol = JSON.parse(await cli.ok("volume", "inspect", "e2ecompose_data")) as {
      Labels: Record<string, string>;
    }[];
    expect(vol[0]?.Labels).toMatchObject({
      "com.docker.compose.project": "e2ecompose",
      "com.docker.compose.volume": "data",
    });
    const labels = JSON.parse(await cli.ok("inspect", "e2ecompose-web-1")) as {
      Config: { Labels: Record<string, string> };
    }[];
    expect(labels[0]?.Config.Labels).toMatchObject({
      "com.docker.compose.project": "e2ecompose",
      "com.docker.compose.service": "web",
      "com.docker.compose.container-number": "1",
      "com.docker.compose.oneoff": "False",
      "com.docker.compose.project.working_dir": proj,
      "com.docker.compose.project.config_files": join(proj, "compose.yaml"),
    });
  }, 90_000);

  it("ps, ps --format json and logs show the project's services", async () => {
    const ps = await compose(["ps"]);
    expect(ps.stdout.split("\n")[0]).toMatch(/^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
    expect(ps.stdout).toMatch(
      /e2ecompose-db-1\s+\S+composebox:1\s+"sh -c echo db-ready.*\s+db\s+.*Up .*\(healthy\)/,
    );
    expect(ps.stdout).toContain(`127.0.0.1:${port}->80/tcp`);
    const rows = await psJson();
    expect(rows.map((r) => [r.Service, r.State, r.Project])).toEqual([
      ["db", "running", "e2ecompose"],
      ["web", "running", "e2ecompose"],
    ]);
    expect(rows[0]?.Health).toBe("healthy");
    expect(rows[1]?.Publishers).toEqual([
      { URL: "127.0.0.1", TargetPort: 80, PublishedPort: port, Protocol: "tcp" },
    ]);
    const logs = await compose(["logs"]);
    expect(logs.stdout).toContain("db-1   | db-ready\n");
    expect(logs.stdout).toContain("web-1  | web-up\n");
    const one = await compose(["logs", "web"]);
    expect(one.stdout).toBe("web-1  | web-up\n");
  }, 30_000);

  it("up -d again leaves unchanged services running; a changed environment recreates only that one", async () => {
    const ids = async () => Object.fromEntries((await psJson()).map((r) => [r.Service, r.ID]));
    const before = await ids();
    const again = await compose(["up", "-d"], { GREETING: "hello" });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(" Container e2ecompose-db-1  Running");
    expect(again.stderr).toContain(" Container e2ecompose-web-1  Running");
    expect(await ids()).toEqual(before);

    const changed = await compose(["up", "-d"], { GREETING: "bye" });
    expect(changed.code).toBe(0);
    expect(changed.stderr).toContain(" Container e2ecompose-web-1  Recreate");
    expect(changed.stderr).toContain(" Container e2ecompose-web-1  Started");
    expect(changed.stderr).toContain(" Container e2ecompose-db-1  Running");
    const after = await ids();
    expect(after.db).toBe(before.db);
    expect(after.web).not.toBe(before.web);
    expect(await httpGet(`http://127.0.0.1:${port}/index.html`)).toBe("bye\n");
  }, 60_000);

  it("run --rm runs a one-off command on a service's network; stop, start and restart act on services", async () => {
    const run = await compose(["run", "--rm", "-T", "web", "wget", "-qO-", "http://db/x"]);
    expect(run.stdout).toBe("stored\n");
    expect(run.code).toBe(0);
    const failed = await compose(["run", "--rm", "-T", "web", "sh", "-c", "exit 3"]);
    expect(failed.code).toBe(3);
    // --rm: the one-off containers are gone.
    expect((await psJson()).map((r) => r.Service)).toEqual(["db", "web"]);

    const stop = await compose(["stop", "web"]);
    expect(stop.stderr).toContain(" Container e2ecompose-web-1  Stopped");
    expect((await psJson()).map((r) => [r.Service, r.State])).toEqual([
      ["db", "running"],
      ["web", "exited"],
    ]);
    expect((await compose(["ps"])).stdout).not.toContain("e2ecompose-web-1");
    const start = await compose(["start", "web"]);
    expect(start.stderr).toContain(" Container e2ecompose-web-1  Started");
    const restart = await compose(["restart", "db"]);
    expect(restart.code).toBe(0);
    expect((await psJson()).map((r) => [r.Service, r.State])).toEqual([
      ["db", "running"],
      ["web", "running"],
    ]);
    expect(await httpGet(`http://127.0.0.1:${port}/index.html`)).toBe("bye\n");
  }, 60_000);

  it("down -v --rmi local removes the containers, the network, the volume and the built image", async () => {
    const r = await compose(["down", "-v", "--rmi", "local", "-t", "1"]);
    expect(r.stderr).toContain(" Image e2ecompose-web  Removed");
    expect(await cli.ok("images", "-q", "e2ecompose-web")).toBe("");
    expect(await cli.ok("images", "-q", image)).not.toBe("");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(" Container e2ecompose-web-1  Removed");
    expect(r.stderr).toContain(" Network e2ecompose_default  Removed");
    expect(r.stderr).toContain(" Volume e2ecompose_data  Removed");
    expect(await psJson()).toEqual([]);
    expect(await cli.ok("ps", "-aq")).toBe("");
    expect(await cli.ok("network", "ls", "--format", "{{.Name}}")).not.toContain("e2ecompose");
    expect(await cli.ok("volume", "ls", "-q")).not.toContain("e2ecompose");
  }, 60_000);

  it("up without -d attaches to the logs with prefixes and stops the services on ^C", async () => {
    const file = join(dir, "attached.yaml");
    await writeFile(
      file,
      `services:\n  loop:\n    image: ${image}\n    init: true\n    command: sh -c 'echo started; while true; do sleep 1; done'\n`,
    );
    const up = cli.spawn(["compose", "-p", "e2e-attached", "-f", file, "up"]);
    const deadline = Date.now() + 20_000;
    while (!up.stdout().includes("loop-1  | started") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    process.kill(up.pid, "SIGINT");
    const done = await up.done;
    expect(done.stdout, done.stderr).toContain("Attaching to e2e-attached-loop-1\n");
    expect(done.stdout).toContain("loop-1  | started\n");
    expect(done.code).toBe(0);
    expect(done.stderr).toContain("Gracefully stopping... (press Ctrl+C again to force)");
    expect(done.stderr).toContain(" Container e2e-attached-loop-1  Stopped");
    const rows = (await cli.ok("compose", "-p", "e2e-attached", "ps", "-a", "--format", "json")).trim();
    expect((JSON.parse(rows) as { State: string }).State).toBe("exited");
    // The service gone from the file: its container is an orphan, warned about, then removed.
    await writeFile(
      file,
      `services:\n  other:\n    image: ${image}\n    init: true\n    command: sleep 600\n`,
    );
    const attached = (...args: string[]) => cli.run(["compose", "-p", "e2e-attached", "-f", file, ...args]);
    const orphan = await attached("up", "-d");
    expect(orphan.stderr).toContain("Found orphan containers ([e2e-attached-loop-1]) for this project");
    expect(orphan.code).toBe(0);
    const removed = await attached("up", "-d", "--remove-orphans");
    expect(removed.stderr).toContain(" Container e2e-attached-loop-1  Removed");
    expect(removed.stderr).toContain(" Container e2e-attached-other-1  Running");
    const down = await attached("down", "-t", "1");
    expect(down.stderr).toContain(" Network e2e-attached_default  Removed");
    expect(down.code).toBe(0);
    expect(await cli.ok("ps", "-aq")).toBe("");
  }, 60_000);

  it("refuses bad files with nothing created", async () => {
    const bad = async (name: string, text: string, message: string) => {
      const file = join(dir, name);
      await writeFile(file, text);
      const r = await cli.run(["compose", "-p", "e2e-bad", "-f", file, "up", "-d"]);
      expect(r.stderr).toContain(message);
      expect(r.code).not.toBe(0);
    };
    await bad(
      "unknown.yaml",
      `services:\n  a:\n    image: ${image}\n    colour: red\n`,
      "services.a additional properties 'colour' not allowed",
    );
    await bad(
      "deps.yaml",
      `services:\n  a:\n    image: ${image}\n    depends_on: [b]\n`,
      'service "a" depends on undefined service "b"',
    );
    await bad(
      "vols.yaml",
      `services:\n  a:\n    image: ${image}\n    volumes: ["nope:/x"]\n`,
      'service "a" refers to undefined volume nope',
    );
    await bad(
      "req.yaml",
      `services:\n  a:\n    image: \${MISSING:?set MISSING}\n`,
      "required variable MISSING is missing a value: set MISSING",
    );
    expect(await cli.ok("ps", "-aq")).toBe("");
    expect(await cli.ok("network", "ls", "--format", "{{.Name}}")).not.toContain("e2e-bad");
    expect(await cli.ok("volume", "ls", "-q")).toBe("");
  }, 30_000);
});
