import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeE2E, composeIn, composeTeardown, downs, writeProject } from "./helpers/compose.js";
import { buildLeftovers, childrenOf, NO_LEFTOVERS, processesWith, startOf } from "./helpers/procs.js";
import type { RunningRegistry } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import type { Spawned, WharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "echo", "cat", "sleep", "ls", "touch", "stat"];

const composeFile = (image: string) => `name: e2ewatch
services:
  web:
    build:
      context: ./web
      args:
        BASE: ${image}
    init: true
    command: [sleep, "300"]
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
          ignore: [skip.txt]
          initial_sync: true
        - path: ./conf
          action: sync+restart
          target: /etc/conf
        - path: ./hooks
          action: sync+exec
          target: /hooks
          exec:
            command: [sh, -c, "cat /hooks/h.txt > /hooks/ran.txt"]
        - path: ./web
          action: rebuild
        - path: ./single.txt
          action: sync
          target: /single.txt
`;

/**
 * A rebuild that takes long: the RUN sleeps when version.txt says `slow` (the first build does not).
 * The marker finds its shell's PID.
 */
const CANCEL_MARKER = `wharf-watch-cancel-${process.pid}`;
const SLOW_DOCKERFILE = `ARG BASE
FROM \${BASE}
COPY version.txt /version.txt
RUN case "$(cat /version.txt)" in slow) sleep 30; echo ${CANCEL_MARKER};; esac
`;

const DOCKERFILE = `ARG BASE
FROM \${BASE}
COPY version.txt /version.txt
`;

/** `compose watch` end to end: the built CLI, runc, a busybox image from Distribution and one built from it. */
describe("compose watch", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let proj: string;
  let image: string;
  const compose = (args: string[]) => cli.run([...composeIn(proj), ...args]);
  const cat = async (path: string) => {
    const r = await compose(["exec", "-T", "web", "cat", path]);
    return r.code === 0 ? r.stdout : undefined;
  };
  /** Waits until a spawned `compose watch` says it watches. */
  const watching = async (w: Spawned) => {
    const ready = await until(
      async () => w.stdout(),
      (out) => out.includes("Watch enabled"),
      120_000,
    );
    expect(ready).toContain("Watch enabled");
  };
  /** Polls `f` until it gives `want` (bounded). */
  const until = async <T>(f: () => Promise<T>, want: (v: T) => boolean, ms = 30_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (want(v) || Date.now() > end) return v;
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-watch",
      repo: "composewatch",
      applets: APPLETS,
      // Users and groups for the sync's owner (a user named in the service is looked up in them).
      extra: async (d) => {
        await writeFile(
          join(d, "passwd"),
          "root:x:0:0:root:/root:/bin/sh\napp:x:2000:2100:app:/home/app:/bin/sh\n",
        );
        await writeFile(join(d, "group"), "root:x:0:\napp:x:2100:\nstaff:x:50:app\n");
        return [
          { name: "etc/passwd", hostPath: join(d, "passwd"), mode: 0o644 },
          { name: "etc/group", hostPath: join(d, "group"), mode: 0o644 },
        ];
      },
    }));
    proj = await writeProject(join(dir, "proj"), {
      "conf/": "",
      "hooks/": "",
      "compose.yaml": composeFile(image),
      "web/Dockerfile": DOCKERFILE,
      "web/version.txt": "v1\n",
      "src/first.txt": "first\n",
      "single.txt": "one\n",
    });
  }, 120_000);

  afterAll(() => composeTeardown({ dir, reg, cli }, { commands: downs(["e2ewatch"], "-v") }), 120_000);

  it("config shows the develop section; a sync rule without target is refused in Compose's words", async () => {
    const r = await compose(["config"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("develop:");
    expect(r.stdout).toContain(`path: ${join(proj, "src")}`);
    expect(r.stdout).toContain("action: sync+exec");
    const bad = await writeProject(join(dir, "bad"), {
      "compose.yaml": `services:\n  a:\n    image: ${image}\n    develop:\n      watch:\n        - {path: ., action: sync}\n`,
    });
    const b = await cli.run(["compose", "-f", join(bad, "compose.yaml"), "config"]);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toContain(
      "services.a.develop.watch: target is required for non-rebuild actions: invalid compose project",
    );
  });

  it("watch: syncs, deletes, ignores, restarts, execs and rebuilds; SIGINT ends it with 130", async () => {
    let w: Spawned | undefined;
    try {
      w = cli.spawn([...composeIn(proj), "watch"]);
      await watching(w);
      // initial_sync: the files already there were copied in when watching started.
      expect(
        await until(
          () => cat("/app/first.txt"),
          (v) => v === "first\n",
        ),
      ).toBe("first\n");

      // sync: a new file arrives, an ignored one does not, a deleted one goes.
      await writeFile(join(proj, "src", "skip.txt"), "ignored\n");
      await writeFile(join(proj, "src", "hello.txt"), "hello\n");
      expect(
        await until(
          () => cat("/app/hello.txt"),
          (v) => v === "hello\n",
        ),
      ).toBe("hello\n");
      expect(w.stdout()).toMatch(/Syncing service "web" after \d+ changes were detected/);
      expect(await cat("/app/skip.txt")).toBeUndefined();
      await mkdir(join(proj, "src", "sub"));
      await writeFile(join(proj, "src", "sub", "deep.txt"), "deep\n");
      expect(
        await until(
          () => cat("/app/sub/deep.txt"),
          (v) => v === "deep\n",
        ),
      ).toBe("deep\n");
      await rm(join(proj, "src", "hello.txt"));
      expect(
        await until(
          () => cat("/app/hello.txt"),
          (v) => v === undefined,
        ),
      ).toBeUndefined();

      // A rule on one file: an editor's save by rename is seen.
      await writeFile(join(proj, "single.txt.tmp"), "two\n");
      await rename(join(proj, "single.txt.tmp"), join(proj, "single.txt"));
      expect(
        await until(
          () => cat("/single.txt"),
          (v) => v === "two\n",
        ),
      ).toBe("two\n");

      // sync+restart: the file is there and the container was started again.
      const started = async () =>
        (await cli.ok("inspect", "-f", "{{.State.StartedAt}}", "e2ewatch-web-1")).trim();
      const before = await started();
      await writeFile(join(proj, "conf", "app.conf"), "x=1\n");
      expect(await until(started, (v) => v !== before)).not.toBe(before);
      expect(
        await until(
          () => cat("/etc/conf/app.conf"),
          (v) => v === "x=1\n",
        ),
      ).toBe("x=1\n");
      expect(
        await until(
          async () => w?.stdout() ?? "",
          (s) => s.includes('service(s) ["web"] restarted'),
        ),
      ).toContain('service(s) ["web"] restarted');

      // sync+exec: the command ran after the sync.
      await writeFile(join(proj, "hooks", "h.txt"), "hooked\n");
      expect(
        await until(
          () => cat("/hooks/ran.txt"),
          (v) => v === "hooked\n",
        ),
      ).toBe("hooked\n");

      // rebuild: the new image's content in the recreated container.
      expect(await cat("/version.txt")).toBe("v1\n");
      await writeFile(join(proj, "web", "version.txt"), "v2\n");
      expect(
        await until(
          () => cat("/version.txt"),
          (v) => v === "v2\n",
          120_000,
        ),
      ).toBe("v2\n");
      expect(w.stdout()).toContain('Rebuilding service(s) ["web"] after changes were detected...');
      expect(w.stdout()).toContain('service(s) ["web"] successfully built');
      // --prune (the default): the image the old container ran, dangling now, is gone.
      expect((await cli.ok("images", "--filter", "dangling=true", "-q")).trim()).toBe("");

      process.kill(w.pid, "SIGINT");
      const end = await w.done;
      expect(end.code).toBe(130);
      // As Compose: the containers keep running.
      expect((await cli.ok("inspect", "-f", "{{.State.Status}}", "e2ewatch-web-1")).trim()).toBe("running");
    } finally {
      await w?.kill9();
    }
  }, 300_000);

  it("up --watch: logs and watch lines together; syncs, restarts and rebuilds without ending; SIGINT stops the containers (status 0)", async () => {
    let w: Spawned | undefined;
    try {
      w = cli.spawn([...composeIn(proj), "up", "--watch"]);
      const ready = await until(
        async () => w?.stdout() ?? "",
        (s) => /^ +\u29bf Watch enabled$/m.test(s),
        120_000,
      );
      expect(ready).toContain("Attaching to e2ewatch-web-1");
      expect(ready).toMatch(/^ {7}\u29bf Watch enabled$/m);
      await writeFile(join(proj, "src", "up.txt"), "from up\n");
      expect(
        await until(
          () => cat("/app/up.txt"),
          (v) => v === "from up\n",
        ),
      ).toBe("from up\n");
      expect(
        await until(
          async () => w?.stdout() ?? "",
          (s) => s.includes('\u29bf Syncing service "web" after'),
        ),
      ).toMatch(/\u29bf Syncing service "web" after 1 changes were detected/);
      // A restart and a rebuild's recreate do not end the logs: up goes on watching.
      let ended = false;
      void w.done.then(() => {
        ended = true;
      });
      const before = (await cli.ok("inspect", "-f", "{{.State.StartedAt}}", "e2ewatch-web-1")).trim();
      await writeFile(join(proj, "conf", "app.conf"), "x=2\n");
      expect(
        await until(
          () => cat("/etc/conf/app.conf"),
          (v) => v === "x=2\n",
        ),
      ).toBe("x=2\n");
      expect(
        await until(
          async () => (await cli.ok("inspect", "-f", "{{.State.StartedAt}}", "e2ewatch-web-1")).trim(),
          (v) => v !== before,
        ),
      ).not.toBe(before);
      await writeFile(join(proj, "web", "version.txt"), "v3\n");
      expect(
        await until(
          () => cat("/version.txt"),
          (v) => v === "v3\n",
          120_000,
        ),
      ).toBe("v3\n");
      await writeFile(join(proj, "src", "after.txt"), "after\n");
      expect(
        await until(
          () => cat("/app/after.txt"),
          (v) => v === "after\n",
        ),
      ).toBe("after\n");
      expect(ended).toBe(false);
      process.kill(w.pid, "SIGINT");
      const end = await w.done;
      expect(end.stderr).toContain("Gracefully stopping...");
      expect(end.code).toBe(0);
      expect((await cli.ok("inspect", "-f", "{{.State.Status}}", "e2ewatch-web-1")).trim()).toBe("exited");
    } finally {
      await w?.kill9();
    }
  }, 300_000);

  it("sync: the files belong to the container's user (numeric as given, a name from its /etc/passwd and /etc/group), else root", async () => {
    const rule = "develop: {watch: [{path: ./src, action: sync, target: /app}]}";
    const other = await writeProject(join(dir, "owners"), {
      "src/": "",
      "compose.yaml": `services:
  num: {image: ${image}, user: "1000:1000", command: [sleep, "300"], ${rule}}
  named: {image: ${image}, user: app, command: [sleep, "300"], ${rule}}
  grouped: {image: ${image}, user: "app:staff", command: [sleep, "300"], ${rule}}
  plain: {image: ${image}, command: [sleep, "300"], ${rule}}
`,
    });
    const f = ["compose", "-p", "e2ewatchowner", "-f", join(other, "compose.yaml")];
    const owner = async (svc: string) => {
      const r = await cli.run([...f, "exec", "-T", svc, "stat", "-c", "%u:%g", "/app/owned.txt"]);
      return r.code === 0 ? r.stdout.trim() : undefined;
    };
    let w: Spawned | undefined;
    try {
      w = cli.spawn([...f, "watch"]);
      await watching(w);
      await writeFile(join(other, "src", "owned.txt"), "mine\n");
      const want: Record<string, string> = {
        num: "1000:1000",
        named: "2000:2100",
        grouped: "2000:50",
        plain: "0:0",
      };
      for (const [svc, ids] of Object.entries(want)) {
        expect(
          await until(
            () => owner(svc),
            (v) => v !== undefined,
          ),
        ).toBe(ids);
      }
      // The user can write the synced file (it is its own).
      const r = await cli.run([
        ...f,
        "exec",
        "-T",
        "num",
        "sh",
        "-c",
        "echo more >> /app/owned.txt && cat /app/owned.txt",
      ]);
      expect(r.stdout).toBe("mine\nmore\n");
    } finally {
      await w?.kill9();
      await cli.run([...f, "down", "-t", "0"]);
    }
  }, 300_000);

  it("watch: SIGINT during a rebuild cancels the build (its processes gone, the store as it was) and ends with 130", async () => {
    const other = await writeProject(join(dir, "cancel"), {
      "compose.yaml": `name: e2ewatchcancel
services:
  web:
    build: {context: ./web, args: {BASE: ${image}}}
    init: true
    command: [sleep, "300"]
    develop: {watch: [{path: ./web, action: rebuild}]}
`,
      "web/Dockerfile": SLOW_DOCKERFILE,
      "web/version.txt": "v1\n",
    });
    const f = composeIn(other);
    const images = () => cli.ok("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
    let w: Spawned | undefined;
    try {
      w = cli.spawn([...f, "watch"]);
      await watching(w);
      const before = await images();
      expect(before).toContain("e2ewatchcancel-web:latest");
      await writeFile(join(other, "web", "version.txt"), "slow\n");
      // The RUN's shell and its sleep, by PID.
      const shells = await until(
        async () => processesWith(CANCEL_MARKER),
        (pids) => pids.length > 0,
        60_000,
      );
      expect(shells.length).toBeGreaterThan(0);
      const pids = [...shells, ...shells.flatMap(childrenOf)].map((pid) => ({ pid, start: startOf(pid) }));
      expect(pids.length).toBeGreaterThan(shells.length);
      const t0 = Date.now();
      process.kill(w.pid, "SIGINT");
      const end = await w.done;
      expect(end.code).toBe(130);
      expect(Date.now() - t0).toBeLessThan(8_000);
      expect(end.stdout).not.toContain("successfully built");
      expect(end.stderr).not.toContain("Error handling changed files");
      // The build's processes are gone; nothing of it is mounted or left in the root's tmp.
      expect(buildLeftovers(cli.root, pids, CANCEL_MARKER)).toEqual(NO_LEFTOVERS);
      // The images as they were, the store whole; the container runs the old image on.
      expect(await images()).toBe(before);
      await validateRoot(cli.root);
      expect((await cli.run([...f, "exec", "-T", "web", "cat", "/version.txt"])).stdout).toBe("v1\n");
    } finally {
      await w?.kill9();
      await cli.run([...f, "down", "-t", "0"]);
    }
  }, 300_000);

  it("watch refuses a project without watch rules, and a rebuild rule without build:, in Compose's words", async () => {
    const other = await writeProject(join(dir, "plain"), {
      "compose.yaml": `services:\n  a:\n    image: ${image}\n  b:\n    image: ${image}\n    develop: {watch: [{path: ., action: rebuild}]}\n`,
    });
    const f = ["compose", "-p", "e2ewatchplain", "-f", join(other, "compose.yaml")];
    const none = await cli.run([...f, "watch", "--no-up", "a"]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain(
      "none of the selected services is configured for watch, consider setting a 'develop' section",
    );
    const up = await cli.run([...f, "up", "--watch", "a"]);
    expect(up.stderr).toContain(
      "none of the selected services is configured for watch, see https://docs.docker.com/compose/how-tos/file-watch/",
    );
    const rebuild = await cli.run([...f, "watch", "--no-up", "b"]);
    expect(rebuild.stderr).toContain(`can't watch service "b" with action rebuild without a build context`);
  });
});
