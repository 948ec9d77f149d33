// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose's ${VAR} syntax is what these strings test
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "./load.js";
import { projectYaml } from "./render.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-include-"));
  mkdirSync(join(dir, "db"));
  writeFileSync(
    join(dir, "db", "compose.yaml"),
    "services:\n  db:\n    image: db:${DB_TAG}\n    volumes: [data:/data, ./init:/init]\nvolumes:\n  data: {}\nnetworks:\n  back: {}\n",
  );
  writeFileSync(join(dir, "db", ".env"), "DB_TAG=from-db-env\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
const load = (env: NodeJS.ProcessEnv = {}) => loadProject({ cwd: dir, env, projectName: "p" });

describe("include", () => {
  it("imports the included project's services, volumes and networks (short form; its .env, its paths)", () => {
    write("compose.yaml", "include: [db/compose.yaml]\nservices:\n  web: {image: w, depends_on: [db]}\n");
    const p = load();
    expect(p.services.map((s) => s.name).sort()).toEqual(["db", "web"]);
    const db = p.services.find((s) => s.name === "db");
    expect(db?.image).toBe("db:from-db-env");
    expect(db?.volumes).toEqual([
      { type: "volume", source: "data", target: "/data" },
      { type: "bind", source: join(dir, "db", "init"), target: "/init" },
    ]);
    expect(p.volumes).toEqual({ data: { name: "p_data" } });
    expect(p.networks.back).toEqual({ name: "p_back" });
    expect(projectYaml(p)).not.toMatch(/^include:/m);
    // The environment wins over the included project's .env.
    expect(load({ DB_TAG: "env" }).services.find((s) => s.name === "db")?.image).toBe("db:env");
  });
  it("long form: several paths merged, project_directory, env_file", () => {
    mkdirSync(join(dir, "elsewhere"));
    write("db/override.yaml", "services:\n  db: {command: [run]}\n");
    write("db/other.env", "DB_TAG=other\n");
    write(
      "compose.yaml",
      "include:\n  - path: [db/compose.yaml, db/override.yaml]\n    project_directory: elsewhere\n    env_file: db/other.env\nservices:\n  web: {image: w}\n",
    );
    const db = load().services.find((s) => s.name === "db");
    expect(db?.image).toBe("db:other");
    expect(db?.command).toEqual(["run"]);
    expect(db?.volumes?.[1]?.source).toBe(join(dir, "elsewhere", "init"));
  });
  it("refuses a service defined twice in Compose's words, and an include cycle", () => {
    write("compose.yaml", "include: [db/compose.yaml]\nservices:\n  db: {image: mine}\n");
    expect(() => load()).toThrow("services.db conflicts with imported resource");
    write("a.yaml", "include: [compose.yaml]\nservices: {a: {image: a}}\n");
    write("compose.yaml", "include: [a.yaml]\nservices: {b: {image: b}}\n");
    expect(() => load()).toThrow("include cycle detected");
  });
});
