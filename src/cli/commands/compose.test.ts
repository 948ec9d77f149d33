import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LABELS, loadProject } from "../../compose/index.js";
import { runCli } from "../testing/capture.js";
import { serviceRunOptions } from "./compose-options.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-compose-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const FILE = `services:
  web:
    image: busybox
    command: httpd -f
    entrypoint: [/bin/sh, -c]
    environment: {A: "1", UNSET: null}
    ports: ["8080:80", "127.0.0.1::81/udp"]
    volumes: [data:/data, ./html:/www:ro, /anon]
    networks: {default: {aliases: [w]}}
    restart: unless-stopped
    healthcheck: {test: [CMD, "true"], interval: 2s, retries: 4}
    working_dir: /www
    user: "1000"
    extra_hosts: ["gw:10.0.0.1"]
    init: true
volumes: {data: {}}
`;

describe("serviceRunOptions", () => {
  it("turns a service into the runtime's options, with Compose's labels and aliases", () => {
    writeFileSync(join(dir, "compose.yaml"), FILE);
    const p = loadProject({ cwd: dir, env: {}, projectName: "proj" });
    const web = p.services[0];
    if (!web) throw new Error("no service");
    const o = serviceRunOptions(p, web, "proj-web-1");
    expect(o.args).toEqual(["httpd", "-f"]);
    expect(o.entrypoint).toEqual(["/bin/sh", "-c"]);
    expect(o.env).toEqual(["A=1"]);
    expect(o.publish).toEqual([
      { containerPort: 80, protocol: "tcp", hostIp: "", hostPort: "8080" },
      { containerPort: 81, protocol: "udp", hostIp: "127.0.0.1", hostPort: "" },
    ]);
    expect(o.mounts).toEqual([
      { type: "volume", source: "proj_data", destination: "/data", readOnly: false },
      { type: "bind", source: join(dir, "html"), destination: "/www", readOnly: true, createSource: true },
      { type: "volume", source: "", destination: "/anon", readOnly: false, anonymous: true },
    ]);
    expect(o.network).toBe("proj_default");
    expect(o.endpoints).toEqual([{ network: "proj_default", aliases: ["web", "proj-web-1", "w"] }]);
    expect(o.restart).toEqual({ name: "unless-stopped", maximumRetryCount: 0 });
    expect(o.healthcheck).toEqual({ test: ["CMD", "true"], interval: 2e9, retries: 4 });
    expect(o.workdir).toBe("/www");
    expect(o.user).toBe("1000");
    expect(o.init).toBe(true);
    expect(o.extraHosts).toEqual(["gw:10.0.0.1"]);
    expect(o.labels?.[LABELS.project]).toBe("proj");
    expect(o.labels?.[LABELS.service]).toBe("web");
    expect(o.labels?.[LABELS.number]).toBe("1");
    expect(o.labels?.[LABELS.oneoff]).toBe("False");
    expect(o.labels?.[LABELS.workingDir]).toBe(dir);
    expect(o.labels?.[LABELS.configFiles]).toBe(join(dir, "compose.yaml"));
    expect(o.labels?.[LABELS.hash]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("wharf compose config", () => {
  it("prints the normalised model, before or after the verb's -f", async () => {
    const f = join(dir, "x.yaml");
    writeFileSync(f, "name: demo\nservices: {a: {image: busybox, environment: [K=v]}}\n");
    for (const argv of [
      ["compose", "-f", f, "config"],
      ["compose", "config", "-f", f],
    ]) {
      const r = await runCli(argv, { root: join(dir, "root"), env: {} });
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(
        "name: demo\nservices:\n  a:\n    environment:\n      K: v\n    image: busybox\n    networks:\n      default: null\nnetworks:\n  default:\n    name: demo_default\n",
      );
      expect(r.status).toBe(0);
    }
    const s = await runCli(["compose", "config", "--services", "-f", f], {
      root: join(dir, "root"),
      env: {},
    });
    expect(s.stdout).toBe("a\n");
  });
  it("refuses a bad file with Compose's words and status 1", async () => {
    const f = join(dir, "bad.yaml");
    writeFileSync(f, "services: {a: {image: busybox, colour: red}}\n");
    const r = await runCli(["compose", "-f", f, "config"], { root: join(dir, "root"), env: {} });
    expect(r.stderr).toContain(
      `Error: validating ${f}: services.a additional properties 'colour' not allowed`,
    );
    expect(r.status).toBe(1);
    const alone = await runCli(["compose"], { root: join(dir, "root"), env: {} });
    expect(alone.stderr).toContain("Usage:  wharf compose [OPTIONS] COMMAND");
    expect(alone.stderr).toContain(
      "\n  config      Parse, resolve and render compose file in canonical format\n",
    );
    expect(alone.status).toBe(0);
    const u = await runCli(["compose", "frob"], { root: join(dir, "root"), env: {} });
    expect(u.stderr).toContain('unknown docker command: "compose frob"');
    expect(u.status).not.toBe(0);
  });
});
