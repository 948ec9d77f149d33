import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { chmod, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeE2E, composeIn, composeTeardown, downs, writeProject } from "./helpers/compose.js";
import type { RunningRegistry } from "./helpers/registries.js";
import type { WharfCli } from "./helpers/wharf-cli.js";

/** A block device of the host (the limits are the container's cgroup's only). */
const DISK = ["/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"].find((d) => existsSync(d)) ?? "/dev/vda";

const APPLETS = ["sh", "cat", "sleep", "hostname", "readlink", "echo", "false", "id", "pwd", "date"];

/** post_start writes what it sees (user, directory, environment) where the test reads it; pre_stop too. */
const HOOKS = `name: e2ehooks
services:
  svc:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    volumes: ["./out:/out"]
    post_start:
      - command: [sh, -c, "echo \\"$$(id -u) $$(pwd) $$GREET\\" > /out/post"]
        user: "1000"
        working_dir: /out
        environment: {GREET: hello}
    pre_stop:
      - command: [sh, -c, "echo stopping > /out/pre"]
  bad:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    profiles: [bad]
    post_start:
      - command: [sh, -c, "echo hook-failing; exit 3"]
  stuck:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    profiles: [bad]
    pre_stop:
      - command: ["false"]
`;

/**
 * The hooks of `run` and `restart`: each hook appends its service's name to a file of the bind
 * mount (`post` for post_start, `pre` for pre_stop), where the test reads which ran, in order.
 * The services `run` runs have no `init`: a one-off container with it sometimes ends at once with
 * 141 (as `wharf run --rm --init` does, hooks or not).
 */
const VERBS = `name: e2ehookverbs
services:
  db:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    volumes: ["./out:/out"]
    post_start:
      - command: [sh, -c, "echo db >> /out/post"]
    pre_stop:
      - command: [sh, -c, "echo db >> /out/pre"]
  app:
    image: \${IMAGE}
    depends_on: [db]
    command: [sleep, "300"]
    volumes: ["./out:/out"]
    post_start:
      - command: [sh, -c, "echo app >> /out/post"]
    pre_stop:
      - command: [sh, -c, "echo app >> /out/pre"]
  failing:
    image: \${IMAGE}
    command: [sleep, "300"]
    profiles: [failing]
    post_start:
      - command: [sh, -c, "exit 3"]
`;

/**
 * `up --abort-on-container-exit`: `job` exits 3 after a second, `long` is stopped. Its pre_stop
 * hook takes 2s and writes the time it ended; `long` (sh as PID 1) writes the time its SIGTERM came
 * and goes on, so that only the SIGKILL after the grace period ends it. `job` had exited by itself:
 * its pre_stop does not run.
 */
const ABORT = `name: e2ehookabort
services:
  long:
    image: \${IMAGE}
    command: [sh, -c, "trap 'date +%s > /out/term' TERM; while true; do sleep 1; done"]
    volumes: ["./out:/out"]
    stop_grace_period: 3s
    pre_stop:
      - command: [sh, -c, "sleep 2; date +%s > /out/pre"]
  job:
    image: \${IMAGE}
    command: [sh, -c, "sleep 1; exit 3"]
    volumes: ["./out:/out"]
    pre_stop:
      - command: [sh, -c, "echo job > /out/jobpre"]
`;

/**
 * The cgroup, blkio, namespace and link keys on one service; `ext` is a container outside the
 * project (made by `wharf run`) that `external_links` names.
 */
const KEYS = `name: e2emorekeys
services:
  app:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    cpu_period: 100ms
    cpu_quota: "50000"
    mem_limit: 64m
    mem_swappiness: 10
    oom_kill_disable: true
    uts: host
    cgroup: private
    device_cgroup_rules: ["c 1:3 mr"]
    external_links: ["e2emorekeys-ext:extdb"]
    label_file: ./app.labels
    labels: {org.example.over: mine}
    blkio_config:
      device_read_bps: [{path: "\${DISK}", rate: 1mb}]
      device_write_iops: [{path: "\${DISK}", rate: 30}]
    networks:
      front:
        link_local_ips: [169.254.77.7]
networks: {front: {name: e2emorekeys-net, external: true}}
`;

type Inspect = {
  Id: string;
  HostConfig: Record<string, unknown>;
  Config: Record<string, unknown> & { Labels: Record<string, string> };
  NetworkSettings: { Networks: Record<string, { IPAMConfig?: { LinkLocalIPs?: string[] } | null }> };
};

/** `wharf compose`'s cgroup, blkio, namespace and link keys, end to end with the built CLI and runc. */
describe("compose: blkio_config, cpu_period/quota, uts, cgroup, external_links, label_file, link_local_ips", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const compose = (proj: string, args: string[]) =>
    cli.run([...composeIn(proj), ...args], {
      env: { IMAGE: image, DISK },
      timeoutMs: 120_000,
    });
  const inspect = async (name: string) =>
    (JSON.parse(await cli.ok("inspect", name)) as Inspect[])[0] as Inspect;

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-more-keys",
      repo: "composemorekeys",
      applets: APPLETS,
    }));
  }, 120_000);

  afterAll(() =>
    composeTeardown(
      { dir, reg, cli },
      {
        commands: [
          ...downs(["e2emorekeys", "e2ehooks", "e2emorekeysmiss", "e2ehooksfg"], "-v"),
          ...downs(["e2ehookverbs", "e2ehookabort"], "-v", "-t", "0"),
          ["rm", "-f", "e2emorekeys-ext"],
          ["network", "rm", "e2emorekeys-net"],
        ],
      },
    ),
  );

  it("up: each key is on the container as docker run's flag puts it; config prints it; a change recreates", async () => {
    const proj = await writeProject(join(dir, "keys"), {
      "compose.yaml": KEYS,
      "app.labels": "# labels\norg.example.file=1\norg.example.over=file\n",
    });
    // On a user-defined network a link names a container on it (Docker's rule): the network is external.
    await cli.ok("network", "create", "e2emorekeys-net");
    await cli.ok(
      "run",
      ...["-d", "--init", "--network", "e2emorekeys-net", "--name", "e2emorekeys-ext"],
      ...[image, "sleep", "300"],
    );

    const up = await compose(proj, ["up", "-d"]);
    expect(up.stderr).not.toContain("Error");
    expect(up.code).toBe(0);
    const app = await inspect("e2emorekeys-app-1");
    expect(app.HostConfig).toMatchObject({
      CpuPeriod: 100000,
      CpuQuota: 50000,
      MemorySwappiness: 10,
      OomKillDisable: true,
      UTSMode: "host",
      CgroupnsMode: "private",
      DeviceCgroupRules: ["c 1:3 mr"],
      BlkioDeviceReadBps: [{ Path: DISK, Rate: 1024 * 1024 }],
      BlkioDeviceWriteIOps: [{ Path: DISK, Rate: 30 }],
    });
    expect(app.Config.Labels).toMatchObject({ "org.example.file": "1", "org.example.over": "mine" });
    expect(app.NetworkSettings.Networks["e2emorekeys-net"]?.IPAMConfig?.LinkLocalIPs).toEqual([
      "169.254.77.7",
    ]);

    // Inside: the host's UTS namespace (its hostname), a cgroup namespace of its own, the link's alias.
    const exec = async (...cmd: string[]) =>
      (await compose(proj, ["exec", "-T", "app", ...cmd])).stdout.trim();
    expect(await exec("hostname")).toBe(hostname());
    const pid = Number((await cli.ok("inspect", "-f", "{{.State.Pid}}", "e2emorekeys-app-1")).trim());
    expect(await exec("readlink", "/proc/self/ns/cgroup")).not.toBe(readlinkNs("cgroup"));
    expect(readlinkNs("uts", pid)).toBe(readlinkNs("uts"));
    expect(await exec("cat", "/etc/hosts")).toMatch(/\textdb(\s|$)/m);

    // config prints Compose's normal form.
    const cfg = await compose(proj, ["config"]);
    expect(cfg.stdout).toContain("cpu_period: 100000");
    expect(cfg.stdout).toContain('rate: "1048576"');
    expect(cfg.stdout).toContain("- 169.254.77.7");

    // A second up keeps the container; a changed key recreates it.
    const again = await compose(proj, ["up", "-d"]);
    expect(again.stderr).not.toContain("Recreate");
    await writeFile(join(proj, "compose.yaml"), KEYS.replace('cpu_quota: "50000"', "cpu_quota: 25ms"));
    const changed = await compose(proj, ["up", "-d"]);
    expect(changed.stderr).toContain("Container e2emorekeys-app-1  Recreate");
    const after = await inspect("e2emorekeys-app-1");
    expect(after.Id).not.toBe(app.Id);
    expect(after.HostConfig.CpuQuota).toBe(25000);

    // On the default bridge an external link to a container that does not exist fails the create,
    // in Docker's words (its registerLinks; on a user-defined network links are not checked there).
    const miss = await writeProject(join(dir, "missing"), {
      "compose.yaml": `name: e2emorekeysmiss\nservices:\n  a:\n    image: ${image}\n    network_mode: bridge\n    external_links: [e2e-no-such-ctr:db]\n`,
    });
    const r = await compose(miss, ["up", "-d"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("could not get container for e2e-no-such-ctr");
  }, 180_000);

  it("post_start runs in the container after it starts, pre_stop before stop and down; a failing hook fails the start", async () => {
    const proj = await writeProject(join(dir, "hooks"), { "out/": "", "compose.yaml": HOOKS });
    await chmod(join(proj, "out"), 0o777); // the post_start hook writes as uid 1000
    const up = await compose(proj, ["up", "-d"]);
    expect(up.stderr).not.toContain("Error");
    expect(up.code).toBe(0);
    expect(readFileSync(join(proj, "out", "post"), "utf8")).toBe("1000 /out hello\n");
    expect(existsSync(join(proj, "out", "pre"))).toBe(false);

    const stop = await compose(proj, ["stop"]);
    expect(stop.code).toBe(0);
    expect(readFileSync(join(proj, "out", "pre"), "utf8")).toBe("stopping\n");
    expect((await cli.ok("inspect", "-f", "{{.State.Status}}", "e2ehooks-svc-1")).trim()).toBe("exited");

    // start runs post_start again; down runs pre_stop before it stops the container.
    await rm(join(proj, "out", "post"));
    await rm(join(proj, "out", "pre"));
    expect((await compose(proj, ["start"])).code).toBe(0);
    expect(readFileSync(join(proj, "out", "post"), "utf8")).toBe("1000 /out hello\n");
    expect((await compose(proj, ["down"])).code).toBe(0);
    expect(readFileSync(join(proj, "out", "pre"), "utf8")).toBe("stopping\n");

    // up in the foreground: ^C runs pre_stop before it stops the container.
    const fg = await writeProject(join(dir, "hooks-fg"), {
      "out/": "",
      "compose.yaml": `name: e2ehooksfg\nservices:\n  svc:\n    image: ${image}\n    init: true\n    command: [sleep, "300"]\n    volumes: ["./out:/out"]\n    pre_stop:\n      - command: [sh, -c, "echo interrupted > /out/pre"]\n`,
    });
    const w = cli.spawn([...composeIn(fg), "up"]);
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const st = await cli.run(["inspect", "-f", "{{.State.Status}}", "e2ehooksfg-svc-1"]);
        if (st.stdout.trim() === "running") break;
        await new Promise((r) => setTimeout(r, 200));
      }
      process.kill(w.pid, "SIGINT");
      await w.done;
      expect(readFileSync(join(fg, "out", "pre"), "utf8")).toBe("interrupted\n");
      expect((await cli.ok("inspect", "-f", "{{.State.Status}}", "e2ehooksfg-svc-1")).trim()).toBe("exited");
    } finally {
      await w.kill9();
    }

    // A failing post_start: the hook's output, Compose's error, no "Started".
    const bad = await compose(proj, ["--profile", "bad", "up", "-d", "bad"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain("hook-failing");
    expect(bad.stderr).toContain("bad hook exited with status 3");
    expect(bad.stderr).not.toContain("e2ehooks-bad-1  Started");
    // A failing pre_stop: stop fails and the container runs on.
    expect((await compose(proj, ["--profile", "bad", "up", "-d", "stuck"])).code).toBe(0);
    const stuck = await compose(proj, ["--profile", "bad", "stop", "stuck"]);
    expect(stuck.code).not.toBe(0);
    expect(stuck.stderr).toContain("stuck hook exited with status 1");
    expect((await cli.ok("inspect", "-f", "{{.State.Status}}", "e2ehooks-stuck-1")).trim()).toBe("running");
  }, 180_000);

  it("run runs post_start (its dependencies' and its own), restart pre_stop then post_start, as Compose", async () => {
    const proj = await writeProject(join(dir, "hookverbs"), { "out/": "", "compose.yaml": VERBS });
    const out = (f: string) =>
      existsSync(join(proj, "out", f)) ? readFileSync(join(proj, "out", f), "utf8") : "";
    const clear = async () => {
      for (const f of ["post", "pre"]) await rm(join(proj, "out", f), { force: true });
    };

    // run: db started as a dependency (its post_start), then the one-off container's own
    // post_start while it runs; no pre_stop (Compose stops nothing: the one-off ends by itself).
    const run = await compose(proj, ["run", "--rm", "-T", "app", "sh", "-c", "sleep 2; echo one-off"]);
    expect(run.stderr).not.toContain("Error");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("one-off");
    expect(out("post")).toBe("db\napp\n");
    expect(out("pre")).toBe("");

    // A failing post_start fails a run whose command succeeded (Compose's words, status 1)...
    const failing = ["--profile", "failing", "run", "--rm", "-T", "failing"];
    const bad = await compose(proj, [...failing, "sh", "-c", "sleep 2"]);
    expect(bad.stderr).toContain("failing hook exited with status 3");
    expect(bad.code).toBe(1);
    // ...but the command's own non-zero status is run's.
    const five = await compose(proj, [...failing, "sh", "-c", "sleep 2; exit 5"]);
    expect(five.code).toBe(5);

    // up: app's post_start (db runs already: no hook).
    await clear();
    const up = await compose(proj, ["up", "-d"]);
    expect(up.stderr).not.toContain("Error");
    expect(up.code).toBe(0);
    expect(out("post")).toBe("app\n");

    // restart: pre_stop before the stop, post_start once it runs again, each service in turn.
    await clear();
    const before = (await cli.ok("inspect", "-f", "{{.State.StartedAt}}", "e2ehookverbs-app-1")).trim();
    const restart = await compose(proj, ["restart", "-t", "1"]);
    expect(restart.stderr).not.toContain("Error");
    expect(restart.code).toBe(0);
    expect(out("pre")).toBe("db\napp\n");
    expect(out("post")).toBe("db\napp\n");
    const after = (await cli.ok("inspect", "-f", "{{.State.StartedAt}}", "e2ehookverbs-app-1")).trim();
    expect(after).not.toBe(before);
    expect(restart.stderr).toMatch(
      /Container e2ehookverbs-app-1 {2}Restarting\n Container e2ehookverbs-app-1 {2}Started/,
    );
    expect((await compose(proj, ["down", "-t", "0"])).code).toBe(0);
  }, 180_000);

  it("up --abort-on-container-exit runs pre_stop before the stop signal, the grace period counted after it", async () => {
    const proj = await writeProject(join(dir, "hookabort"), { "out/": "", "compose.yaml": ABORT });
    const out = (f: string) => readFileSync(join(proj, "out", f), "utf8").trim();
    const r = await compose(proj, ["up", "--abort-on-container-exit"]);
    expect(r.stdout).toContain("Aborting on container exit...");
    expect(r.code).toBe(3);
    // The hook ran (and ended) before the SIGTERM came.
    const hookEnded = Number(out("pre"));
    expect(Number(out("term"))).toBeGreaterThanOrEqual(hookEnded);
    // stop_grace_period (3s) from the signal: the SIGKILL came about 3s after the hook, not 1s
    // (as it would if the hook's 2s had been taken from the grace period).
    const state = JSON.parse(await cli.ok("inspect", "e2ehookabort-long-1")) as {
      State: { FinishedAt: string; ExitCode: number };
    }[];
    expect(state[0]?.State.ExitCode).toBe(137);
    expect(Date.parse(state[0]?.State.FinishedAt ?? "") / 1000 - hookEnded).toBeGreaterThanOrEqual(2.5);
    // job had exited by itself: no pre_stop.
    expect(existsSync(join(proj, "out", "jobpre"))).toBe(false);

    // --exit-code-from with -t: the hook again first, then -t 1 instead of the file's 3s.
    for (const f of ["pre", "term"]) await rm(join(proj, "out", f), { force: true });
    const from = await compose(proj, ["up", "--exit-code-from", "long", "-t", "1"]);
    expect(from.stdout).toContain("Aborting on container exit...");
    expect(from.code).toBe(137);
    expect(Number(out("term"))).toBeGreaterThanOrEqual(Number(out("pre")));
    expect((await compose(proj, ["down", "-t", "0"])).code).toBe(0);
  }, 180_000);

  it("refuses the keys wharf cannot have, by name with the reason, making nothing", async () => {
    const proj = await writeProject(join(dir, "refused"), {
      "compose.yaml": `name: e2emorekeysno\nservices:\n  a:\n    image: ${image}\n    cpu_count: 2\n`,
    });
    const r = await compose(proj, ["up", "-d"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      "wharf compose does not support services.a.cpu_count: Windows containers only",
    );
    expect(
      (await cli.ok("ps", "-a", "-q", "--filter", "label=com.docker.compose.project=e2emorekeysno")).trim(),
    ).toBe("");
  }, 60_000);
});

/** The namespace a process is in (`/proc/PID/ns/NAME`'s link), the test's own by default. */
function readlinkNs(name: string, pid: number | "self" = "self"): string {
  return readlinkSync(`/proc/${pid}/ns/${name}`);
}
