import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/registry/testing/distribution.js";
import { composeE2E, composeTeardown, downs, writeProject } from "./helpers/compose.js";
import type { RunningRegistry } from "./helpers/registries.js";
import { WHARF_CMD, type WharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "echo", "cat", "sleep", "true", "httpd", "wget", "mkdir", "hostname"];

/** `web` is built and named (so `push` pushes it) and published; `worker` sleeps, then exits 7. */
const COMPOSE = `name: verbs
services:
  web:
    image: \${REG}/e2e/verbs-web:1
    init: true
    build:
      context: ./web
      args:
        BASE: \${IMAGE}
    command: httpd -f -p 80 -h /www
    ports: ["127.0.0.1:\${PORT}:80"]
  worker:
    image: \${IMAGE}
    init: true
    command: sh -c 'sleep \${NAP:-300}; exit 7'
    ports: ["81"]
`;

const VERBS = [
  "up",
  "down",
  "ps",
  "logs",
  "config",
  "build",
  "pull",
  "start",
  "stop",
  "restart",
  "exec",
  "run",
  "ls",
  "images",
  "top",
  "port",
  "cp",
  "kill",
  "pause",
  "unpause",
  "rm",
  "create",
  "wait",
  "version",
  "push",
  "attach",
  "stats",
  "events",
];

/**
 * The compose verbs beyond up/down/ps/logs, end to end: the built CLI, runc, the CNI plugins, a
 * busybox image pulled from wharf's own registry, one built from a Dockerfile and pushed back to it.
 */
describe("compose verbs", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let proj: string;
  let image: string;
  let port: number;
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ PORT: String(port), ...extra });
  const compose = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string) =>
    cli.run(["compose", "-f", join(proj, "compose.yaml"), ...args], {
      env: env(extra),
      ...(input !== undefined ? { input } : {}),
    });
  const states = async () =>
    Object.fromEntries(
      (await compose(["ps", "-a", "--format", "json"])).stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { Service: string; State: string })
        .map((r) => [r.Service, r.State]),
    );

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-verbs",
      registry: "wharf",
      repo: "verbsbox",
      applets: APPLETS,
    }));
    port = await freePort();
    proj = await writeProject(join(dir, "verbs"), {
      "compose.yaml": COMPOSE,
      ".env": `IMAGE=${image}\nREG=${reg.host}\n`,
      "web/Dockerfile": "ARG BASE\nFROM $BASE\nRUN mkdir /www && echo served > /www/index.html\n",
    });
    const up = await compose(["up", "-d"]);
    if (up.code !== 0) throw new Error(`compose up: ${up.stderr}`);
  }, 180_000);

  afterAll(() =>
    composeTeardown(
      { dir, reg, cli },
      { commands: downs(["verbs", "verbs-replicas", "verbs-wait"], "-v", "-t", "1") },
    ),
  );

  it("compose alone and --help name every verb", async () => {
    const alone = await cli.run(["compose"]);
    expect(alone.code).toBe(0);
    for (const v of VERBS) expect(alone.stderr).toMatch(new RegExp(`^  ${v}\\b`, "m"));
    const help = await cli.run(["compose", "--help"]);
    expect(help.code).toBe(0);
    for (const v of VERBS) expect(help.stdout + help.stderr).toMatch(new RegExp(`^  ${v}\\b`, "m"));
    for (const v of VERBS) {
      const own = await cli.run(["compose", v, "--help"]);
      expect(own.stdout, v).toContain(`Usage:  wharf compose ${v} `);
      expect(own.code).toBe(0);
    }
  });

  it("ls lists the project from its containers' labels (table, json, -q, --filter)", async () => {
    const ls = await cli.run(["compose", "ls"]);
    expect(ls.code).toBe(0);
    const lines = ls.stdout.split("\n");
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+CONFIG FILES$/);
    expect(lines[1]).toMatch(new RegExp(`^verbs\\s+running\\(2\\)\\s+${join(proj, "compose.yaml")}$`));
    const json = JSON.parse((await cli.ok("compose", "ls", "--format", "json")).trim()) as unknown;
    expect(json).toEqual([{ Name: "verbs", Status: "running(2)", ConfigFiles: join(proj, "compose.yaml") }]);
    expect(await cli.ok("compose", "ls", "-q", "--filter", "name=verb")).toBe("verbs\n");
    expect(await cli.ok("compose", "ls", "-q", "--filter", "name=other")).toBe("");
    const bad = await cli.run(["compose", "ls", "--filter", "status=running"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("invalid filter 'status'");
  });

  it("images lists each container's image; -q its IDs; json", async () => {
    const r = await compose(["images"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^CONTAINER\s+REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE$/);
    expect(lines[1]).toMatch(
      new RegExp(`^verbs-web-1\\s+${reg.host}/e2e/verbs-web\\s+1\\s+[0-9a-f]{12}\\s+\\d`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^verbs-worker-1\\s+${reg.host}/e2e/verbsbox\\s+1\\s+[0-9a-f]{12}\\s+\\d`),
    );
    const ids = (await compose(["images", "-q"])).stdout.trim().split("\n");
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
    const json = JSON.parse((await compose(["images", "--format", "json", "worker"])).stdout) as Record<
      string,
      unknown
    >[];
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({
      ContainerName: "verbs-worker-1",
      Repository: `${reg.host}/e2e/verbsbox`,
      Tag: "1",
    });
    expect(json[0]?.ID).toMatch(/^sha256:/);
    expect(json[0]?.Size).toBeGreaterThan(100_000);
  });

  it("top lists each service's processes; port prints the published address", async () => {
    const top = await compose(["top"]);
    expect(top.code).toBe(0);
    const lines = top.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^SERVICE\s+#\s+UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    expect(top.stdout).toMatch(/^web\s+1\s+.*httpd -f -p 80 -h \/www$/m);
    expect(top.stdout).toMatch(/^worker\s+1\s+.*sleep 300$/m);
    const only = await compose(["top", "worker"]);
    expect(only.stdout).not.toMatch(/^web/m);

    const p = await compose(["port", "web", "80"]);
    expect(p.stdout).toBe(`127.0.0.1:${port}\n`);
    expect(p.code).toBe(0);
    const none = await compose(["port", "--protocol", "udp", "web", "80"]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("no port 80/udp for container verbs-web-1");
    const missing = await compose(["port", "nosuch", "80"]);
    expect(missing.stderr).toContain('service "nosuch" is not running');
    // A port without host IP, picked by wharf: Publishers has its IPv6 side too (Docker 27+).
    const [worker] = (await compose(["ps", "--format", "json", "worker"])).stdout
      .split("\n")
      .filter(Boolean)
      .map(
        (l) => JSON.parse(l) as { Publishers: { URL: string; PublishedPort: number; TargetPort: number }[] },
      );
    const picked = worker?.Publishers[0]?.PublishedPort ?? 0;
    expect(picked).toBeGreaterThan(0);
    expect(worker?.Publishers).toEqual([
      { URL: "0.0.0.0", TargetPort: 81, PublishedPort: picked, Protocol: "tcp" },
      { URL: "::", TargetPort: 81, PublishedPort: picked, Protocol: "tcp" },
    ]);
  });

  it("cp copies into a service's container and out of it", async () => {
    await writeFile(join(dir, "in.txt"), "to the worker\n");
    const into = await compose(["cp", join(dir, "in.txt"), "worker:/in.txt"]);
    expect(into.code, into.stderr).toBe(0);
    expect((await compose(["exec", "-T", "worker", "cat", "/in.txt"])).stdout).toBe("to the worker\n");
    const out = await compose(["cp", "web:/www/index.html", join(dir, "out.html")]);
    expect(out.code, out.stderr).toBe(0);
    expect(await readFile(join(dir, "out.html"), "utf8")).toBe("served\n");
    const both = await compose(["cp", "web:/a", "worker:/b"]);
    expect(both.code).not.toBe(0);
  });

  it("stats --no-stream shows the project's containers", async () => {
    const r = await compose(["stats", "--no-stream", "--format", "{{.Name}}"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").sort()).toEqual(["verbs-web-1", "verbs-worker-1"]);
  }, 30_000);

  it("pause and unpause: ps shows paused, ls -a counts it; events --json reports both", async () => {
    const events = cli.spawn(["compose", "-p", "verbs", "events", "--json", "worker"]);
    const plain = cli.spawn(["compose", "-p", "verbs", "events"]);
    await new Promise((r) => setTimeout(r, 1500));
    const pause = await compose(["pause", "worker"]);
    expect(pause.code).toBe(0);
    expect(pause.stderr).toContain(" Container verbs-worker-1  Paused");
    expect(await states()).toEqual({ web: "running", worker: "paused" });
    expect(await cli.ok("compose", "ls", "-a", "--format", "json")).toContain(
      '"Status":"paused(1), running(1)"',
    );
    const unpause = await compose(["unpause"]);
    expect(unpause.stderr).toContain(" Container verbs-worker-1  Unpaused");
    expect(await states()).toEqual({ web: "running", worker: "running" });
    const deadline = Date.now() + 10_000;
    while (!events.stdout().includes('"unpause"') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    process.kill(events.pid, "SIGTERM");
    await events.done;
    process.kill(plain.pid, "SIGTERM");
    await plain.done;
    expect(plain.stdout()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} container pause [0-9a-f]{64} \(image=\S+, name=verbs-worker-1\)$/m,
    );
    const got = events
      .stdout()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got.map((e) => e.action)).toEqual(["pause", "unpause"]);
    expect(got[0]).toMatchObject({ service: "worker", type: "container" });
    expect((got[0]?.attributes ?? {}) as Record<string, string>).toMatchObject({ name: "verbs-worker-1" });
    expect(
      Object.keys((got[0]?.attributes ?? {}) as object).some((k) => k.startsWith("com.docker.compose")),
    ).toBe(false);
  }, 30_000);

  it("up --scale runs replicas; ps, top, exec --index, stop/start cover them; compose scale scales down", async () => {
    const up = await compose(["up", "-d", "--scale", "worker=3"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain(" Container verbs-worker-3  Started");
    const rows = () =>
      compose(["ps", "-a", "--format", "json", "worker"]).then((r) =>
        r.stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { Name: string; ID: string; State: string }),
      );
    const three = await rows();
    expect(three.map((r) => [r.Name, r.State])).toEqual([
      ["verbs-worker-1", "running"],
      ["verbs-worker-2", "running"],
      ["verbs-worker-3", "running"],
    ]);
    const labels = JSON.parse(await cli.ok("inspect", "verbs-worker-3")) as {
      Config: { Labels: Record<string, string> };
    }[];
    expect(labels[0]?.Config.Labels["com.docker.compose.container-number"]).toBe("3");
    const top = await compose(["top", "worker"]);
    expect(top.stdout).toMatch(/^worker\s+3\s+.*sleep 300$/m);
    const host = await compose(["exec", "-T", "--index", "2", "worker", "hostname"]);
    expect(host.stdout.trim()).toBe(three[1]?.ID.slice(0, 12));
    const stop = await compose(["stop", "-t", "1", "worker"]);
    expect(stop.stderr).toContain(" Container verbs-worker-2  Stopped");
    expect((await rows()).map((r) => r.State)).toEqual(["exited", "exited", "exited"]);
    expect((await compose(["start", "worker"])).stderr).toContain(" Container verbs-worker-3  Started");
    expect((await rows()).map((r) => r.State)).toEqual(["running", "running", "running"]);

    const down = await compose(["scale", "worker=1"]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain(" Container verbs-worker-3  Removed");
    expect(down.stderr).toContain(" Container verbs-worker-2  Removed");
    expect((await rows()).map((r) => r.Name)).toEqual(["verbs-worker-1"]);
    const bad = await compose(["up", "-d", "--scale", "nosuch=2"]);
    expect(bad.stderr).toContain("no such service: nosuch");
    expect(bad.code).not.toBe(0);
  }, 90_000);

  it("deploy.replicas in the file runs that many containers", async () => {
    const file = join(dir, "replicas.yaml");
    await writeFile(
      file,
      `services:\n  r:\n    image: ${image}\n    init: true\n    command: sh -c 'while true; do echo tick; sleep 1; done'\n    deploy: {replicas: 2}\n`,
    );
    const replicas = (...args: string[]) => cli.run(["compose", "-p", "verbs-replicas", "-f", file, ...args]);
    const up = await replicas("up", "-d");
    expect(up.code, up.stderr).toBe(0);
    const names = (await replicas("ps", "--format", "json")).stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { Name: string }).Name);
    expect(names).toEqual(["verbs-replicas-r-1", "verbs-replicas-r-2"]);
    // logs prefixes each replica; attach --index follows the second one's output.
    const deadline = Date.now() + 10_000;
    let logs = "";
    while (!logs.includes("r-2  | tick") && Date.now() < deadline) {
      logs = (await replicas("logs")).stdout;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(logs).toContain("r-1  | tick\n");
    expect(logs).toContain("r-2  | tick\n");
    const attach = cli.spawn([
      "compose",
      "-p",
      "verbs-replicas",
      "attach",
      "--index",
      "2",
      "--no-stdin",
      "--sig-proxy=false",
      "r",
    ]);
    const until = Date.now() + 10_000;
    while (!attach.stdout().includes("tick") && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    await attach.kill9();
    expect(attach.stdout()).toContain("tick\n");
    const after = (await replicas("ps", "--format", "json")).stdout.split("\n").filter(Boolean);
    expect(after).toHaveLength(2);
    expect((await replicas("down", "-t", "1")).code).toBe(0);
  }, 60_000);

  it("kill -s ends a service; rm asks (a pipe's No keeps it), rm -f removes it", async () => {
    const kill = await compose(["kill", "-s", "SIGTERM", "worker"]);
    expect(kill.code).toBe(0);
    expect(kill.stderr).toContain(" Container verbs-worker-1  Killed");
    const deadline = Date.now() + 10_000;
    while ((await states()).worker !== "exited" && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await states()).toEqual({ web: "running", worker: "exited" });

    const asked = await compose(["rm"], {}, "");
    expect(asked.code).toBe(0);
    expect(asked.stdout).toBe("Going to remove verbs-worker-1");
    expect(await states()).toEqual({ web: "running", worker: "exited" });
    const no = await compose(["rm"], {}, "n\n");
    expect(no.stdout).toBe("Going to remove verbs-worker-1");
    expect((await states()).worker).toBe("exited");

    // On a terminal: Compose's question, answered on it.
    const tty = spawn(
      "script",
      ["-qefc", `'${WHARF_CMD}' --root '${cli.root}' compose -p verbs rm`, "/dev/null"],
      { stdio: "pipe", env: { ...process.env, DOCKER_CONFIG: cli.dockerConfig, HOME: cli.dir } },
    );
    let screen = "";
    tty.stdout.on("data", (c: Buffer) => {
      screen += c.toString("utf8");
    });
    const closed = new Promise<number | null>((res) => tty.on("close", (c) => res(c)));
    const asking = Date.now() + 10_000;
    while (!screen.includes("(y/N)") && Date.now() < asking) await new Promise((r) => setTimeout(r, 50));
    tty.stdin.write("n\r");
    expect(await closed).toBe(0);
    expect(screen.replace(/\r/g, "")).toContain("? Going to remove verbs-worker-1 (y/N) ");
    expect((await states()).worker).toBe("exited");

    const forced = await compose(["rm", "-f"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe("Going to remove verbs-worker-1\n");
    expect(forced.stderr).toContain(" Container verbs-worker-1  Removed");
    expect(await states()).toEqual({ web: "running" });
    const nothing = await compose(["rm", "-f"]);
    expect(nothing.stderr).toContain("No stopped containers");
  }, 30_000);

  it("create makes a service's container without starting it; wait returns its exit code", async () => {
    const create = await compose(["create", "worker"], { NAP: "1" });
    expect(create.code, create.stderr).toBe(0);
    expect(create.stderr).toContain(" Container verbs-worker-1  Created");
    expect(await states()).toEqual({ web: "running", worker: "created" });
    const again = await compose(["create", "--no-recreate", "worker"], { NAP: "2" });
    expect(again.stderr).not.toContain("Recreate");
    expect(await compose(["create", "--build", "--no-build"])).toMatchObject({ code: 1 });

    expect((await compose(["start", "worker"], { NAP: "1" })).code).toBe(0);
    const wait = await compose(["wait", "worker"], { NAP: "1" });
    expect(wait.stdout).toMatch(/^container "[0-9a-f]{64}" exited with status code 7\n$/);
    expect(wait.code).toBe(7);
  }, 60_000);

  it("push sends the built, named image to the registry and skips the others", async () => {
    const r = await compose(["push"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(` ${reg.host}/e2e/verbs-web:1 Pushed`);
    expect(r.stderr).toContain(" worker Skipped");
    const tags = (await (await fetch(`http://${reg.host}/v2/e2e/verbs-web/tags/list`)).json()) as {
      tags: string[];
    };
    expect(tags.tags).toEqual(["1"]);
  }, 60_000);

  it("push --ignore-push-failures goes on past a push that fails; without it the failure is the status", async () => {
    const over = join(proj, "unpushable.yaml");
    await writeFile(over, "services:\n  web:\n    image: 127.0.0.1:9/e2e/never-built:1\n");
    const files = ["compose", "-f", join(proj, "compose.yaml"), "-f", over];
    const failed = await cli.run([...files, "push"], { env: env() });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("127.0.0.1:9/e2e/never-built");
    const ignored = await cli.run([...files, "push", "--ignore-push-failures"], { env: env() });
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toContain("Error:");
    expect(ignored.stderr).toContain(" worker Skipped");
  }, 30_000);

  it("wait --down-project takes the project down when the first container ends, with its code", async () => {
    const file = join(dir, "waits.yaml");
    await writeFile(
      file,
      `services:\n  job:\n    image: ${image}\n    init: true\n    command: sh -c 'sleep 1; exit 3'\n  other:\n    image: ${image}\n    init: true\n    command: sleep 300\n`,
    );
    const waits = (...args: string[]) => cli.run(["compose", "-p", "verbs-wait", "-f", file, ...args]);
    expect((await waits("up", "-d")).code).toBe(0);
    const r = await waits("wait", "--down-project", "job", "other");
    expect(r.stdout).toMatch(/^container "[0-9a-f]{64}" exited with status code 3\n$/);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(" Network verbs-wait_default  Removed");
    expect((await waits("ps", "-a", "-q")).stdout).toBe("");
  }, 60_000);

  it("version prints wharf's version in Compose's forms", async () => {
    const line = await cli.ok("compose", "version");
    expect(line).toMatch(/^wharf compose version v\d+\.\d+\.\d+\n$/);
    const short = await cli.ok("compose", "version", "--short");
    expect(`wharf compose version v${short}`).toBe(line);
    expect(JSON.parse(await cli.ok("compose", "version", "--format", "json"))).toEqual({
      version: `v${short.trim()}`,
    });
  });
});
