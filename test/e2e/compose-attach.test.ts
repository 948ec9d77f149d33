import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeE2E, composeIn, composeTeardown, downs, writeProject } from "./helpers/compose.js";
import type { RunningRegistry } from "./helpers/registries.js";
import type { WharfCli } from "./helpers/wharf-cli.js";

/** `app` depends on `db`; `side` has `attach: false`; `app` ends by itself after 2 s, status 0. */
const ATTACH = `name: e2eattach
services:
  db:
    image: \${IMAGE}
    init: true
    command: [sh, -c, "echo db-line; exec sleep 300"]
  side:
    image: \${IMAGE}
    init: true
    attach: false
    command: [sh, -c, "echo side-line; exec sleep 300"]
  app:
    image: \${IMAGE}
    depends_on: [db]
    command: [sh, -c, "echo app-line; sleep 2; echo app-end"]
  forever:
    image: \${IMAGE}
    init: true
    depends_on: [db]
    command: [sh, -c, "echo forever-line; exec sleep 300"]
`;

/** `ok` exits 0 at once, `bad` 5 after 3 s, `long` runs until stopped. */
const FAIL = `name: e2efail
services:
  long:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
  ok:
    image: \${IMAGE}
    command: [sh, -c, "echo ok-done"]
  bad:
    image: \${IMAGE}
    command: [sh, -c, "sleep 3; echo bad-done; exit 5"]
`;

/** Both end with 0: `quick` at once, `slow` after 3 s. */
const ZERO = `name: e2ezero
services:
  quick:
    image: \${IMAGE}
    command: [sh, -c, "echo quick-done"]
  slow:
    image: \${IMAGE}
    command: [sh, -c, "sleep 3; echo slow-done"]
`;

type State = { State: { Status: string; ExitCode: number } };

/** `compose up --attach`, `--no-attach`, `--attach-dependencies`, `--abort-on-container-failure`. */
describe("compose up: the services attached, abort on failure", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const compose = (proj: string, args: string[]) =>
    cli.run([...composeIn(proj), ...args], {
      env: { IMAGE: image },
      timeoutMs: 120_000,
    });
  const project = (name: string, yaml: string) => writeProject(join(dir, name), { "compose.yaml": yaml });
  const state = async (name: string) => (JSON.parse(await cli.ok("inspect", name)) as State[])[0]?.State;

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-attach",
      repo: "composeattach",
      applets: ["sh", "echo", "sleep"],
    }));
  }, 120_000);

  afterAll(() =>
    composeTeardown(
      { dir, reg, cli },
      { commands: downs(["e2eattach", "e2eattachwatch", "e2efail", "e2ezero"], "-t", "1") },
    ),
  );

  it("up SERVICE attaches to it alone; --attach-dependencies to its dependencies too", async () => {
    const proj = await project("attach", ATTACH);
    const r = await compose(proj, ["up", "app"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Attaching to e2eattach-app-1$/m);
    expect(r.stdout).toMatch(/app-1 +\| app-line$/m);
    expect(r.stdout).toMatch(/app-1 +\| app-end$/m);
    expect(r.stdout).not.toContain("db-line");
    // The dependency was started, not followed, and is left running as Compose leaves it.
    expect((await state("e2eattach-db-1"))?.Status).toBe("running");
    const d = await compose(proj, ["up", "--force-recreate", "-t", "1", "--attach-dependencies", "app"]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^Attaching to e2eattach-app-1, e2eattach-db-1$/m);
    expect(d.stdout).toMatch(/db-1 +\| db-line$/m);
    expect(d.stdout).toMatch(/app-1 +\| app-line$/m);
    // The named service's end ends up, the dependency running on.
    expect((await state("e2eattach-db-1"))?.Status).toBe("running");
    await compose(proj, ["down", "-t", "1"]);
  }, 120_000);

  it("^C after up SERVICE stops that service, its dependency left running (as Compose)", async () => {
    // spawn takes no environment: the image written in.
    const proj = await project("attach", ATTACH.replaceAll(`$\{IMAGE}`, image));
    const up = cli.spawn([...composeIn(proj), "up", "forever"]);
    const deadline = Date.now() + 30_000;
    while (!/forever-1 +\| forever-line$/m.test(up.stdout()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    process.kill(up.pid, "SIGINT");
    const done = await up.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^Attaching to e2eattach-forever-1$/m);
    expect(done.stderr).toContain("Gracefully stopping... (press Ctrl+C again to force)");
    expect(done.stderr).toContain("Container e2eattach-forever-1  Stopped");
    expect(done.stderr).not.toContain("Container e2eattach-db-1  Stopping");
    expect((await state("e2eattach-forever-1"))?.Status).toBe("exited");
    expect((await state("e2eattach-db-1"))?.Status).toBe("running");
    await compose(proj, ["down", "-t", "1"]);
  }, 120_000);

  it("up --watch with every service left out by --no-attach follows none", async () => {
    const proj = await writeProject(join(dir, "watch"), {
      "src/": "",
      "compose.yaml": `name: e2eattachwatch
services:
  svc:
    image: ${image}
    init: true
    command: [sh, -c, "echo svc-line; exec sleep 300"]
    develop:
      watch:
        - {path: ./src, action: sync, target: /src}
`,
    });
    const args = composeIn(proj);
    const up = cli.spawn([...args, "up", "--watch", "--no-attach", "svc"]);
    const deadline = Date.now() + 30_000;
    while (!up.stdout().includes("Watch enabled") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    // Time for a line of svc's to show, were it followed.
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(up.pid, "SIGINT");
    const done = await up.done;
    expect(done.stdout, done.stderr).toMatch(/^Attaching to $/m);
    expect(done.stdout).toContain("Watch enabled");
    expect(done.stdout).not.toContain("svc-line");
    expect((await state("e2eattachwatch-svc-1"))?.Status).toBe("exited");
    await cli.run([...args, "down", "-t", "1"]);
  }, 120_000);

  it("--attach follows those given (attach: false too), --no-attach leaves some out", async () => {
    const proj = await project("attach", ATTACH);
    // No service named: all start; app's exit stops them all (--abort-on-container-exit), status 0.
    const r = await compose(proj, [
      "up",
      "-t",
      "1",
      "--attach",
      "side",
      "--attach",
      "app",
      "--abort-on-container-exit",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Attaching to e2eattach-app-1, e2eattach-side-1$/m);
    expect(r.stdout).toMatch(/side-1 +\| side-line$/m);
    expect(r.stdout).toMatch(/app-1 +\| app-line$/m);
    expect(r.stdout).not.toContain("db-line");
    expect(r.stdout).not.toContain("forever-line");
    expect(r.stdout).toContain("e2eattach-app-1 exited with code 0");
    expect(r.stdout).toContain("Aborting on container exit...");
    for (const s of ["db", "side", "forever"])
      expect((await state(`e2eattach-${s}-1`))?.Status).toBe("exited");
    // --no-attach: the others (side has attach: false); up ends when app, the one followed, ends.
    const n = await compose(proj, ["up", "--no-attach", "db", "--no-attach", "forever"]);
    expect(n.code, n.stderr).toBe(0);
    expect(n.stdout).toMatch(/^Attaching to e2eattach-app-1$/m);
    expect(n.stdout).toMatch(/app-1 +\| app-end$/m);
    for (const w of ["db-line", "side-line", "forever-line"]) expect(n.stdout).not.toContain(w);
    expect((await state("e2eattach-forever-1"))?.Status).toBe("running");
    await compose(proj, ["down", "-t", "1"]);
  }, 120_000);

  it("refuses what Compose refuses before anything is made", async () => {
    const proj = await project("attach", ATTACH);
    const none = await compose(proj, ["up", "--attach", "side", "app"]);
    expect(none.stderr).toContain("cannot attach to services not included in up: side");
    expect(none.code).not.toBe(0);
    const d = await compose(proj, ["up", "-d", "--abort-on-container-failure"]);
    expect(d.stderr).toContain(
      "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach or --attach-dependencies",
    );
    const both = await compose(proj, ["up", "--attach", "app", "--attach-dependencies"]);
    expect(both.stderr).toContain("cannot combine --attach and --attach-dependencies");
    const exit = await compose(proj, ["up", "--abort-on-container-exit", "--abort-on-container-failure"]);
    expect(exit.stderr).toContain(
      "--abort-on-container-failure cannot be combined with --abort-on-container-exit",
    );
    const ps = await compose(proj, ["ps", "-a", "-q"]);
    expect(ps.stdout.trim()).toBe("");
  }, 60_000);

  it("--abort-on-container-failure: a 0 exit stops nothing, a failure stops the others, its status", async () => {
    const proj = await project("fail", FAIL);
    const r = await compose(proj, ["up", "-t", "1", "--abort-on-container-failure"]);
    expect(r.stdout).toContain("e2efail-ok-1 exited with code 0");
    // bad ran on after ok's exit: its line, then its exit, then the abort.
    expect(r.stdout).toMatch(/bad-1 +\| bad-done$/m);
    expect(r.stdout).toContain("e2efail-bad-1 exited with code 5");
    expect(r.stdout.indexOf("e2efail-ok-1 exited with code 0")).toBeLessThan(
      r.stdout.indexOf("Aborting on container exit..."),
    );
    expect(r.code).toBe(5);
    expect((await state("e2efail-long-1"))?.Status).toBe("exited");
    // --exit-code-from with it: long's status (stopped by the abort), not bad's.
    const from = await compose(proj, [
      "up",
      "-t",
      "1",
      "--abort-on-container-failure",
      "--exit-code-from",
      "long",
    ]);
    expect(from.stdout).toContain("Aborting on container exit...");
    expect(from.code).toBe(((await state("e2efail-long-1")) as { ExitCode: number }).ExitCode);
    expect(from.code).not.toBe(5);
    const zero = await project("zero", ZERO);
    const z = await compose(zero, ["up", "--abort-on-container-failure"]);
    expect(z.code, z.stderr).toBe(0);
    expect(z.stdout).toContain("e2ezero-quick-1 exited with code 0");
    expect(z.stdout).toMatch(/slow-1 +\| slow-done$/m);
    expect(z.stdout).toContain("e2ezero-slow-1 exited with code 0");
    expect(z.stdout).not.toContain("Aborting on container exit...");
    // The same under --abort-on-container-exit: quick's exit stops slow before its line.
    const e = await compose(zero, ["up", "-t", "1", "--abort-on-container-exit"]);
    expect(e.stdout).toContain("Aborting on container exit...");
    expect(e.stdout).not.toContain("slow-done");
  }, 120_000);
});
