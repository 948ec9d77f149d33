import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "./load.js";
import { allProfiles } from "./profiles.js";
import { projectYaml } from "./render.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-profiles-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const FILE = `services:
  web: {image: w}
  mock: {image: m, profiles: [dev], depends_on: [db]}
  db: {image: d, profiles: [dev]}
  admin: {image: a, profiles: [debug], depends_on: [db]}
  tool: {image: t, profiles: [debug], depends_on: {db: {condition: service_started, required: false}}}
`;

const load = (o: { profiles?: string[]; services?: string[]; env?: NodeJS.ProcessEnv } = {}) => {
  writeFileSync(join(dir, "compose.yaml"), FILE);
  return loadProject({ cwd: dir, env: o.env ?? {}, projectName: "p", ...o });
};
const names = (p: { services: { name: string }[] }) => p.services.map((s) => s.name);

describe("profiles", () => {
  it("a service with profiles is enabled only when one of them is active", () => {
    const p = load();
    expect(names(p)).toEqual(["web"]);
    expect(p.disabled?.map((s) => s.name)).toEqual(["mock", "db", "admin", "tool"]);
    expect(names(load({ profiles: ["dev"] }))).toEqual(["web", "mock", "db"]);
    expect(names(load({ profiles: ["dev", "debug"] }))).toEqual(["web", "mock", "db", "admin", "tool"]);
  });
  it("COMPOSE_PROFILES (comma-separated) when no --profile is given; * enables all", () => {
    expect(names(load({ env: { COMPOSE_PROFILES: "dev" } }))).toEqual(["web", "mock", "db"]);
    expect(names(load({ env: { COMPOSE_PROFILES: "dev" }, profiles: ["nothing"] }))).toEqual(["web"]);
    expect(names(load({ profiles: ["*"] }))).toHaveLength(5);
  });
  it("a service named on the command line is enabled with its profiles (and their services)", () => {
    const p = load({ services: ["mock"] });
    expect(names(p)).toEqual(["web", "mock", "db"]);
    expect(p.profiles).toEqual(["dev"]);
  });
  it("a required dependency on a disabled service is refused in Compose's words; an optional one dropped", () => {
    expect(() => load({ services: ["admin"] })).toThrow(
      'service "db" is required by "admin" but is disabled. Can be enabled by profiles [dev]',
    );
    const p = load({ services: ["tool"] });
    expect(names(p)).toContain("tool");
    expect(p.services.find((s) => s.name === "tool")?.depends_on).toBeUndefined();
    // Named too, the dependency is enabled.
    expect(names(load({ services: ["admin", "db"] }))).toEqual(["web", "mock", "db", "admin", "tool"]);
  });
  it("config shows the active services and their profiles; --profiles lists them all", () => {
    const p = load({ profiles: ["dev"] });
    const y = projectYaml(p);
    expect(y).toContain("  db:\n    image: d\n");
    expect(y).toContain("    profiles:\n      - dev\n");
    expect(y).not.toContain("admin");
    expect(allProfiles(p)).toEqual(["debug", "dev"]);
  });
});
