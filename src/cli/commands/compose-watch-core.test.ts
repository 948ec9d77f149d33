import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Project, ServiceConfig } from "../../compose/index.js";
import type { Context } from "../context.js";
import type { BuildService, Converge } from "./compose-watch-actions.js";
import { NOT_CONFIGURED, watchedServices, watchProject, watchRoots } from "./compose-watch-core.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-watch-core-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("watchRoots", () => {
  it("a directory recursively, a file through its parent, a missing path through its nearest parent", () => {
    mkdirSync(join(dir, "src"));
    mkdirSync(join(dir, "conf"));
    writeFileSync(join(dir, "conf", "app.conf"), "");
    expect(
      watchRoots([
        { path: join(dir, "src") },
        { path: join(dir, "conf", "app.conf") },
        { path: join(dir, "later", "deep") },
      ]),
    ).toEqual([
      { path: join(dir, "src"), recursive: true },
      { path: join(dir, "conf"), recursive: false },
      { path: dir, recursive: true },
    ]);
    // A file's parent that is also a rule's directory is watched recursively.
    expect(watchRoots([{ path: join(dir, "conf", "app.conf") }, { path: join(dir, "conf") }])).toEqual([
      { path: join(dir, "conf"), recursive: true },
    ]);
  });
});

describe("watchedServices", () => {
  const project = (services: Project["services"]): Project =>
    ({ name: "p", services, networks: {}, volumes: {} }) as unknown as Project;
  it("keeps the services with rules among those named; refuses as Compose does", () => {
    const web = {
      name: "web",
      networks: {},
      build: { context: dir },
      develop: { watch: [{ path: dir, action: "rebuild" as const }] },
    };
    const db = { name: "db", networks: {}, image: "x" };
    expect(watchedServices(project([web, db]), []).map((s) => s.name)).toEqual(["web"]);
    expect(() => watchedServices(project([web, db]), ["db"])).toThrow(NOT_CONFIGURED);
    const img = {
      name: "img",
      networks: {},
      image: "x",
      develop: { watch: [{ path: dir, action: "rebuild" as const }] },
    };
    expect(() => watchedServices(project([img]), [])).toThrow(
      `can't watch service "img" with action rebuild without a build context`,
    );
  });
});

describe("watchProject's close (^C)", () => {
  const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
  it("cancels the rebuild under way: the build sees the abort, nothing is recreated, no warning", async () => {
    mkdirSync(join(dir, "web"));
    const web = {
      name: "web",
      networks: {},
      build: { context: join(dir, "web") },
      develop: { watch: [{ path: join(dir, "web"), action: "rebuild" as const }] },
    } as unknown as ServiceConfig;
    const p = { name: "p", services: [web], networks: {}, volumes: {} } as unknown as Project;
    const lines: string[] = [];
    const errs: string[] = [];
    const ctx = {
      root: join(dir, "root"),
      env: {},
      debug: false,
      stdout: sink(),
      stderr: sink(),
      out: (l = "") => lines.push(l),
      err: (l = "") => errs.push(l),
    } as unknown as Context;
    let building: () => void = () => undefined;
    const started = new Promise<void>((r) => {
      building = r;
    });
    let aborted = false;
    let converged = 0;
    // A build that runs until it is canceled, as a long RUN step does.
    const build: BuildService = (_c, _p, _s, signal) =>
      new Promise((_resolve, reject) => {
        building();
        signal?.addEventListener("abort", () => {
          aborted = true;
          reject(new Error("canceled"));
        });
      });
    const converge: Converge = async () => {
      converged++;
      throw new Error("not reached");
    };
    const w = await watchProject(ctx, p, [web], {
      prune: true,
      quiet: true,
      log: (l) => lines.push(l),
      converge,
      build,
    });
    writeFileSync(join(dir, "web", "version.txt"), "v2\n");
    await started;
    const t0 = Date.now();
    await w.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(aborted).toBe(true);
    expect(converged).toBe(0);
    expect(lines).toEqual(["Watch enabled", 'Rebuilding service(s) ["web"] after changes were detected...']);
    expect(errs).toEqual([]);
    // Closing again is the same close.
    await w.close();
  }, 20_000);
});
