import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Project } from "../../compose/index.js";
import { NOT_CONFIGURED, watchedServices, watchRoots } from "./compose-watch-core.js";

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
