import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "./load.js";
import { projectYaml } from "./render.js";
import { developConfig } from "./watch.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-compose-watch-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (text: string) => {
  writeFileSync(join(dir, "compose.yaml"), text);
  return loadProject({ cwd: dir, env: {} });
};

describe("develop: watch rules", () => {
  it("reads the rules: paths made absolute against the project's directory, keys in Compose's order", () => {
    const p = load(`services:
  web:
    build: .
    develop:
      watch:
        - {action: sync, path: ./src, target: /app, ignore: [node_modules/], include: ["*.js"], initial_sync: true}
        - {path: package.json, action: rebuild}
        - {path: ./conf, action: restart}
        - path: ./hooks
          action: sync+exec
          target: /hooks
          exec: {command: "npm run reload", user: node, privileged: true, working_dir: /srv, environment: [A=1, B]}
`);
    const w = p.services[0]?.develop?.watch ?? [];
    expect(w[0]).toEqual({
      path: join(dir, "src"),
      action: "sync",
      target: "/app",
      include: ["*.js"],
      ignore: ["node_modules/"],
      initial_sync: true,
    });
    expect(Object.keys(w[0] ?? {})).toEqual([
      "path",
      "action",
      "target",
      "include",
      "ignore",
      "initial_sync",
    ]);
    expect(w[1]).toEqual({ path: join(dir, "package.json"), action: "rebuild" });
    expect(w[2]).toEqual({ path: join(dir, "conf"), action: "restart" });
    expect(w[3]?.exec).toEqual({
      command: ["npm", "run", "reload"],
      user: "node",
      privileged: true,
      working_dir: "/srv",
      environment: { A: "1", B: "" },
    });
    const yaml = projectYaml(p);
    expect(yaml).toContain("    develop:\n      watch:\n        - path: ");
    expect(yaml).toContain("action: sync+exec");
  });

  it("refuses what Compose refuses, in its words", () => {
    const refused = (rule: string, message: string) =>
      expect(() =>
        load(`services:\n  web:\n    build: .\n    develop:\n      watch:\n        - ${rule}\n`),
      ).toThrow(message);
    refused(
      "{path: ., action: sync}",
      "services.web.develop.watch: target is required for non-rebuild actions: invalid compose project",
    );
    refused(
      "{path: ., action: sync+restart}",
      "services.web.develop.watch: target is required for non-rebuild actions",
    );
    refused(
      "{path: ., action: copy, target: /a}",
      'services.web.develop.watch.0.action must be one of the following: "rebuild", "sync", "restart", "sync+restart", "sync+exec"',
    );
    refused("{action: rebuild}", "services.web.develop.watch.0 missing property 'path'");
    refused("{path: .}", "services.web.develop.watch.0 missing property 'action'");
    refused(
      "{path: ., action: rebuild, colour: red}",
      "services.web.develop.watch.0 additional properties 'colour' not allowed",
    );
    refused(
      "{path: ., action: sync, target: /a, ignore: x}",
      "services.web.develop.watch.0.ignore must be a array",
    );
    refused(
      "{path: ., action: sync+exec, target: /a}",
      `can't watch with action "sync+exec" on service web without a command`,
    );
    refused(
      "{path: ., action: sync+exec, target: /a, exec: {user: x}}",
      "services.web.develop.watch.0.exec missing property 'command'",
    );
    expect(() => load("services:\n  web:\n    build: .\n    develop: {watch: {path: .}}\n")).toThrow(
      "services.web.develop.watch must be a array",
    );
    expect(() => load("services:\n  web:\n    build: .\n    develop: {sync: []}\n")).toThrow(
      "services.web.develop additional properties 'sync' not allowed",
    );
  });

  it("takes x- extensions, an empty develop, and restart without a target", () => {
    expect(
      developConfig("f", "web", { watch: [{ path: "/a", action: "restart" }], "x-note": 1 }, dir),
    ).toEqual({
      watch: [{ path: "/a", action: "restart" }],
    });
    expect(developConfig("f", "web", null, dir)).toBeUndefined();
    expect(developConfig("f", "web", {}, dir)).toEqual({});
  });

  it("a path of a service taken from another file (extends) stays relative to that file", () => {
    mkdirSync(join(dir, "base"));
    writeFileSync(
      join(dir, "base", "compose.yaml"),
      "services:\n  app:\n    build: .\n    develop:\n      watch: [{path: ./src, action: rebuild}]\n",
    );
    const p = load("services:\n  web:\n    extends: {file: base/compose.yaml, service: app}\n");
    expect(p.services[0]?.develop?.watch?.[0]?.path).toBe(join(dir, "base", "src"));
  });
});
