import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configHash } from "./hash.js";
import { loadProject } from "./load.js";
import { projectYaml } from "./render.js";
import { fileTarget } from "./secrets.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-secrets-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (text: string, env: NodeJS.ProcessEnv = {}) => {
  writeFileSync(join(dir, "compose.yaml"), text);
  return loadProject({ cwd: dir, env, projectName: "p" });
};

const FILE = `services:
  web:
    image: w
    secrets:
      - token
      - source: key
        target: server.key
        uid: "103"
        gid: 103
        mode: 0440
    configs:
      - app
      - source: inline
        target: /etc/inline.conf
        mode: "0o600"
secrets:
  token: {file: ./token.txt}
  key: {environment: KEY}
configs:
  app: {file: conf/app.conf}
  inline: {content: "a=1"}
`;

describe("secrets and configs", () => {
  it("normalises the top-level ones (absolute files, Compose's names) and a service's short and long syntax", () => {
    const p = load(FILE, { KEY: "s3cret" });
    expect(p.secrets).toEqual({
      token: { name: "p_token", file: join(dir, "token.txt") },
      key: { name: "p_key", environment: "KEY" },
    });
    expect(p.configs).toEqual({
      app: { name: "p_app", file: join(dir, "conf/app.conf") },
      inline: { name: "p_inline", content: "a=1" },
    });
    expect(p.environment).toEqual({ KEY: "s3cret" });
    const web = p.services[0];
    // YAML's 0440 is octal, as Compose reads it; "0o600" too.
    expect(web?.secrets).toEqual([
      { source: "token" },
      { source: "key", target: "server.key", uid: "103", gid: "103", mode: 0o440 },
    ]);
    expect(web?.configs).toEqual([
      { source: "app" },
      { source: "inline", target: "/etc/inline.conf", mode: 0o600 },
    ]);
  });
  it("puts secrets under /run/secrets and configs at /<name> unless a target says otherwise", () => {
    expect(fileTarget("secrets", { source: "token" })).toBe("/run/secrets/token");
    expect(fileTarget("secrets", { source: "k", target: "server.key" })).toBe("/run/secrets/server.key");
    expect(fileTarget("secrets", { source: "k", target: "/etc/k" })).toBe("/etc/k");
    expect(fileTarget("configs", { source: "app" })).toBe("/app");
    expect(fileTarget("configs", { source: "app", target: "/etc/app.conf" })).toBe("/etc/app.conf");
  });
  it("prints them in config as Compose does", () => {
    const y = projectYaml(load(FILE, { KEY: "x" }));
    expect(y).toContain(`secrets:\n  token:\n    name: p_token\n    file: ${join(dir, "token.txt")}\n`);
    expect(y).toContain("  inline:\n    name: p_inline\n    content: a=1\n");
    expect(y).toContain(
      "    secrets:\n      - source: token\n      - source: key\n        target: server.key\n",
    );
    expect(y).toContain('        uid: "103"\n        gid: "103"\n        mode: "0440"\n');
    expect(y).not.toContain("x-content");
    expect(y).not.toContain("s3cret");
  });
  it("refuses an undefined one, a bad mode, two sources; external is kept (refused by up)", () => {
    expect(() => load("services: {web: {image: w, secrets: [nope]}}\n")).toThrow(
      'service "web" refers to undefined secret nope: invalid compose project',
    );
    expect(() =>
      load("services: {web: {image: w, configs: [{source: c, mode: rw}]}}\nconfigs: {c: {content: x}}\n"),
    ).toThrow("services.web.configs.0.mode must be a number");
    expect(() => load("services: {web: {image: w}}\nsecrets: {s: {file: a, environment: B}}\n")).toThrow(
      "secrets.s: file and environment are exclusive",
    );
    expect(() => load("services: {web: {image: w}}\nsecrets: {s: {driver: x, file: a}}\n")).toThrow(
      "wharf compose does not support secrets.s.driver",
    );
    const p = load("services: {web: {image: w, secrets: [s]}}\nsecrets: {s: {external: true}}\n");
    expect(p.secrets?.s).toEqual({ name: "s", external: true });
  });
  it("changes the service's config hash when a secret's or config's content changes", () => {
    writeFileSync(join(dir, "token.txt"), "one");
    const a = load(FILE, { KEY: "k1" });
    const web = a.services[0];
    if (!web) throw new Error("no web");
    const h1 = configHash(web, a);
    writeFileSync(join(dir, "token.txt"), "two");
    const h2 = configHash(web, a);
    expect(h2).not.toBe(h1);
    const b = load(FILE, { KEY: "k2" });
    expect(configHash(b.services[0] as typeof web, b)).not.toBe(h2);
    expect(configHash(web, a)).toBe(h2);
  });
});
