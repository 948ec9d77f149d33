import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "./load.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-extends-"));
  mkdirSync(join(dir, "common"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
const load = () => loadProject({ cwd: dir, env: { TAG: "7" }, projectName: "p" });

describe("extends", () => {
  it("merges the base under the service by Compose's rules (short form, same file)", () => {
    write(
      "compose.yaml",
      `services:
  base:
    image: busybox:\${TAG}
    command: [sleep, "1"]
    environment: {A: "1", B: "2"}
    ports: ["80"]
    volumes: ["./data:/data", "/cache"]
  web:
    extends: base
    command: [sleep, "2"]
    environment: {B: "3"}
    ports: ["81"]
    volumes: ["./other:/data"]
`,
    );
    const web = load().services.find((s) => s.name === "web");
    expect(web?.image).toBe("busybox:7");
    expect(web?.command).toEqual(["sleep", "2"]);
    expect(web?.environment).toEqual({ A: "1", B: "3" });
    expect(web?.ports?.map((x) => x.target)).toEqual([80, 81]);
    expect(web?.volumes).toEqual([
      { type: "bind", source: join(dir, "other"), target: "/data" },
      { type: "volume", target: "/cache" },
    ]);
  });
  it("reads a base in another file, its relative paths against that file's directory", () => {
    write(
      "common/base.yaml",
      `services:
  app:
    build: ./app
    env_file: app.env
    volumes: ["./conf:/conf:ro"]
    labels: {from: base}
  root:
    extends: {service: app}
    user: "1"
`,
    );
    writeFileSync(join(dir, "common", "app.env"), "FROM_FILE=yes\n");
    write(
      "compose.yaml",
      "services:\n  web:\n    extends: {file: common/base.yaml, service: root}\n    labels: {own: x}\n",
    );
    const [web] = load().services;
    expect(web?.build).toEqual({ context: join(dir, "common", "app") });
    expect(web?.environment).toEqual({ FROM_FILE: "yes" });
    expect(web?.volumes).toEqual([
      { type: "bind", source: join(dir, "common", "conf"), target: "/conf", read_only: true },
    ]);
    expect(web?.labels).toEqual({ from: "base", own: "x" });
    expect(web?.user).toBe("1");
  });
  it("refuses a cycle and a missing base in Compose's words", () => {
    write("compose.yaml", "services:\n  a: {image: x, extends: b}\n  b: {image: x, extends: a}\n");
    const f = join(dir, "compose.yaml");
    expect(() => load()).toThrow(
      `Circular reference:\n  a in ${f}\n  extends b in ${f}\n  extends a in ${f}`,
    );
    write("compose.yaml", "services:\n  a: {image: x, extends: {service: gone}}\n");
    expect(() => load()).toThrow(`cannot extend service "a" in ${f}: service "gone" not found`);
    write(
      "compose.yaml",
      "services:\n  a: {image: x, extends: {service: b, colour: red}}\n  b: {image: y}\n",
    );
    expect(() => load()).toThrow("services.a.extends additional properties 'colour' not allowed");
  });
});
