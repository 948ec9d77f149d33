import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeE2E, composeIn, composeTeardown, downs, writeProject } from "./helpers/compose.js";
import type { RunningRegistry } from "./helpers/registries.js";
import type { WharfCli } from "./helpers/wharf-cli.js";

/** `app` depends on `db`, says a line, another after 2 s and ends at once with 3; `db` runs on. */
const YAML = `name: e2eexits
services:
  db:
    image: \${IMAGE}
    init: true
    command: [sh, -c, "echo db-line; exec sleep 300"]
  app:
    image: \${IMAGE}
    depends_on: [db]
    command: [sh, -c, "echo app-line; sleep 2; echo app-last; exit 3"]
`;

type State = { State: { Status: string; ExitCode: number } };

/**
 * `up --attach db app`: app is the service up waits on (named) though not attached; as Compose's
 * monitor, its `NAME exited with code N` is printed when it ends (its logs not), db's logs are
 * (db left running); the status is 0, app's with `--exit-code-from app`.
 */
describe("compose up --attach: the exits of the services up waits on", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let proj: string;
  let image: string;
  const compose = (args: string[]) =>
    cli.run([...composeIn(proj), ...args], {
      env: { IMAGE: image },
      timeoutMs: 120_000,
    });
  const state = async (name: string) => (JSON.parse(await cli.ok("inspect", name)) as State[])[0]?.State;

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-exits",
      repo: "composeexits",
      applets: ["sh", "echo", "sleep"],
    }));
    proj = await writeProject(join(dir, "proj"), { "compose.yaml": YAML });
  }, 120_000);

  afterAll(() => composeTeardown({ dir, reg, cli }, { commands: downs(["e2eexits"], "-t", "0") }));

  it("up --attach db app: db's logs, app's exit line (not its logs), status 0, db running on", async () => {
    const r = await compose(["up", "--attach", "db", "app"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Attaching to e2eexits-db-1$/m);
    expect(r.stdout).toMatch(/db-1 +\| db-line$/m);
    expect(r.stdout).not.toContain("app-line");
    expect(r.stdout).toMatch(/^e2eexits-app-1 exited with code 3$/m);
    // db is attached but not waited on: no line of its end (it runs on).
    expect(r.stdout).not.toContain("e2eexits-db-1 exited");
    expect((await state("e2eexits-db-1"))?.Status).toBe("running");
    expect((await state("e2eexits-app-1"))?.ExitCode).toBe(3);
  }, 120_000);

  it("--exit-code-from app, app not attached: its line, the abort, its status", async () => {
    const r = await compose(["up", "-t", "1", "--attach", "db", "--exit-code-from", "app", "app"]);
    expect(r.stdout).toMatch(/^e2eexits-app-1 exited with code 3$/m);
    expect(r.stdout).toContain("Aborting on container exit...");
    expect(r.code, r.stderr).toBe(3);
    // up SERVICE's abort stops that service alone (Compose's #9701): db runs on.
    expect((await state("e2eexits-db-1"))?.Status).toBe("running");
  }, 120_000);

  it("up --attach-dependencies --no-attach db app: app's logs and its exit line, status 0", async () => {
    await compose(["down", "-t", "0"]);
    const r = await compose(["up", "--no-attach", "db", "--attach-dependencies", "app"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Attaching to e2eexits-app-1$/m);
    expect(r.stdout).toMatch(/app-1 +\| app-line$/m);
    expect(r.stdout).toMatch(/^e2eexits-app-1 exited with code 3$/m);
    // Its last line (written just before it exits) comes before its exit line.
    expect(r.stdout).toMatch(/app-1 +\| app-last\ne2eexits-app-1 exited with code 3$/m);
    expect(r.stdout).not.toContain("db-line");
  }, 120_000);
});
