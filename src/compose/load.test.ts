// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose's ${VAR} syntax is what these strings test
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject, normalizeProjectName } from "./load.js";
import { projectYaml } from "./render.js";

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), "wharf-compose-")), "My App");
  mkdirSync(dir);
});
afterEach(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
const load = (o: { files?: string[]; projectName?: string; env?: NodeJS.ProcessEnv } = {}) =>
  loadProject({
    cwd: dir,
    env: o.env ?? {},
    ...(o.files ? { files: o.files } : {}),
    ...(o.projectName ? { projectName: o.projectName } : {}),
  });

describe("loadProject: files and names", () => {
  it("finds compose.yaml before docker-compose.yml; names the project after the directory", () => {
    write("docker-compose.yml", "services: {old: {image: a}}\n");
    write("compose.yaml", "services: {new: {image: a}}\n");
    const p = load();
    expect(p.services.map((s) => s.name)).toEqual(["new"]);
    expect(p.name).toBe("myapp");
    expect(p.configFiles).toEqual([join(dir, "compose.yaml")]);
    expect(p.workingDir).toBe(dir);
  });
  it("says when there is no file, in Compose's words", () => {
    expect(() => load()).toThrow("no configuration file provided: not found");
  });
  it("takes -p, then COMPOSE_PROJECT_NAME, then name:, then the directory", () => {
    write("compose.yaml", "name: From_File\nservices: {a: {image: x}}\n");
    expect(load().name).toBe("from_file");
    expect(load({ env: { COMPOSE_PROJECT_NAME: "Env.Name" } }).name).toBe("envname");
    expect(load({ projectName: "given", env: { COMPOSE_PROJECT_NAME: "env" } }).name).toBe("given");
    expect(() => load({ projectName: "Bad Name" })).toThrow('invalid project name "Bad Name"');
    expect(normalizeProjectName("-_My.Proj-1")).toBe("myproj-1");
  });
  it("merges later -f files over earlier ones as Compose does", () => {
    write(
      "a.yaml",
      [
        "services:",
        "  web:",
        "    image: one",
        "    command: [a, b]",
        "    environment: [A=1, B=2]",
        "    ports: ['80']",
        "    volumes: ['data:/data', '/x']",
        "    labels: {l1: a}",
        "volumes: {data: {}}",
      ].join("\n"),
    );
    write(
      "b.yaml",
      [
        "services:",
        "  web:",
        "    image: two",
        "    command: c",
        "    environment: {B: '3', C: '4'}",
        "    ports: ['81']",
        "    volumes: ['./src:/data:ro']",
        "    labels: [l2=b]",
        "  db: {image: db}",
      ].join("\n"),
    );
    const p = load({ files: ["a.yaml", "b.yaml"] });
    const web = p.services.find((s) => s.name === "web");
    expect(web?.image).toBe("two");
    expect(web?.command).toEqual(["c"]);
    expect(web?.environment).toEqual({ A: "1", B: "3", C: "4" });
    expect(web?.ports?.map((x) => x.target)).toEqual([80, 81]);
    expect(web?.volumes).toEqual([
      { type: "bind", source: join(dir, "src"), target: "/data", read_only: true },
      { type: "volume", target: "/x" },
    ]);
    expect(web?.labels).toEqual({ l1: "a", l2: "b" });
    expect(p.services.map((s) => s.name)).toEqual(["web", "db"]);
    expect(p.configFiles).toEqual([join(dir, "a.yaml"), join(dir, "b.yaml")]);
  });
});

describe("loadProject: interpolation", () => {
  it("reads .env, lets the environment win, and warns about unset variables", () => {
    write(".env", "TAG=fromfile\nPORT=8080\n");
    write(
      "compose.yaml",
      "services:\n  a:\n    image: img:${TAG}\n    ports: ['${PORT}:80']\n    command: echo $$HOME ${NOPE}\n",
    );
    const p = load({ env: { TAG: "fromenv" } });
    const a = p.services[0];
    expect(a?.image).toBe("img:fromenv");
    expect(a?.ports).toEqual([{ target: 80, published: "8080", protocol: "tcp" }]);
    expect(a?.command).toEqual(["echo", "$HOME"]);
    expect(p.warnings).toEqual(['The "NOPE" variable is not set. Defaulting to a blank string.']);
  });
  it("refuses a required variable that is missing", () => {
    write("compose.yaml", "services: {a: {image: '${IMG:?give an image}'}}\n");
    expect(() => load()).toThrow("required variable IMG is missing a value: give an image");
  });
});

describe("loadProject: normalisation", () => {
  it("normalises every service key's short and long forms", () => {
    writeFileSync(join(dir, "web.env"), "FROM_FILE=1\nA=file\n");
    write(
      "compose.yaml",
      `version: "3.8"
services:
  web:
    build: {context: ./app, dockerfile: Dockerfile.web, args: [V=1], target: prod}
    entrypoint: /bin/sh -c
    command: ["echo", "hi there"]
    env_file: web.env
    environment: [A=env, HOSTVAR]
    ports: ["127.0.0.1:8000-8001:80-81/udp", {target: 443, published: 8443}]
    expose: [3000, "4000/udp"]
    volumes:
      - data:/var/lib/data
      - type: bind
        source: ./conf
        target: /etc/conf
        read_only: true
    networks: {front: {aliases: [www]}}
    depends_on: {db: {condition: service_healthy}}
    restart: on-failure:3
    healthcheck: {test: wget -q localhost, interval: 1m30s, retries: 3}
    extra_hosts: {gw: 10.0.0.1}
    init: true
    tty: true
  db:
    image: postgres
    depends_on: [cache]
  cache: {image: redis}
volumes: {data: {}}
networks: {front: {}}
`,
    );
    const p = load({ env: { HOSTVAR: "h" } });
    expect(p.warnings[0]).toMatch(/the attribute `version` is obsolete/);
    const [web, db] = p.services;
    expect(web?.build).toEqual({
      context: join(dir, "app"),
      dockerfile: "Dockerfile.web",
      args: { V: "1" },
      target: "prod",
    });
    expect(web?.entrypoint).toEqual(["/bin/sh", "-c"]);
    expect(web?.command).toEqual(["echo", "hi there"]);
    expect(web?.environment).toEqual({ FROM_FILE: "1", A: "env", HOSTVAR: "h" });
    expect(web?.ports).toEqual([
      { target: 80, published: "8000", host_ip: "127.0.0.1", protocol: "udp" },
      { target: 81, published: "8001", host_ip: "127.0.0.1", protocol: "udp" },
      { target: 443, published: "8443", protocol: "tcp" },
    ]);
    expect(web?.expose).toEqual(["3000", "4000/udp"]);
    expect(web?.volumes).toEqual([
      { type: "volume", source: "data", target: "/var/lib/data" },
      { type: "bind", source: join(dir, "conf"), target: "/etc/conf", read_only: true },
    ]);
    expect(web?.networks).toEqual({ front: { aliases: ["www"] } });
    expect(web?.depends_on).toEqual({ db: { condition: "service_healthy", required: true } });
    expect(web?.healthcheck).toEqual({
      test: ["CMD-SHELL", "wget -q localhost"],
      interval: "1m30s",
      retries: 3,
    });
    expect(web?.extra_hosts).toEqual(["gw:10.0.0.1"]);
    expect(db?.depends_on).toEqual({ cache: { condition: "service_started", required: true } });
    expect(db?.networks).toEqual({ default: null });
    expect(p.networks).toEqual({ front: { name: "myapp_front" }, default: { name: "myapp_default" } });
    expect(p.volumes).toEqual({ data: { name: "myapp_data" } });
    const yaml = projectYaml(p);
    expect(yaml).toMatch(/^name: myapp\nservices:\n {2}cache:\n/);
    expect(yaml).toContain("    name: myapp_data");
  });
});

describe("loadProject: refusals", () => {
  const refused = (text: string, message: string) => {
    write("compose.yaml", text);
    expect(() => load()).toThrow(message);
  };
  it("refuses unknown keys in Compose's words, and Compose keys wharf does not do by name", () => {
    refused(
      "services: {a: {image: x, colour: red}}\n",
      "services.a additional properties 'colour' not allowed",
    );
    refused("services: {a: {image: x}}\nfoo: 1\n", "additional properties 'foo' not allowed");
    refused(
      "services: {a: {image: x, build: {context: ., nope: 1}}}\n",
      "services.a.build additional properties 'nope' not allowed",
    );
    refused(
      "services: {a: {image: x, deploy: {placement: {}}}}\n",
      "wharf compose does not support services.a.deploy.placement",
    );
    write("compose.yaml", "services: {a: {image: x, x-mine: 1}}\nx-top: {}\n");
    expect(load().services[0]?.name).toBe("a");
  });
  it("refuses projects that do not hold together", () => {
    refused(
      "services: {a: {command: x}}\n",
      'service "a" has neither an image nor a build context specified: invalid compose project',
    );
    refused(
      "services: {a: {image: x, depends_on: [b]}}\n",
      'service "a" depends on undefined service "b": invalid compose project',
    );
    refused(
      "services: {a: {image: x, volumes: ['v:/v']}}\n",
      'service "a" refers to undefined volume v: invalid compose project',
    );
    refused(
      "services: {a: {image: x, networks: [n]}}\n",
      'service "a" refers to undefined network n: invalid compose project',
    );
    refused(
      "services: {a: {image: x, depends_on: [b]}, b: {image: x, depends_on: [a]}}\n",
      "dependency cycle detected",
    );
  });
  it("refuses bad values", () => {
    refused("services: {a: {image: x, ports: '80'}}\n", "services.a.ports must be a array");
    refused("services: {a: {image: x, ports: ['80:http']}}\n", "invalid port spec: 80:http");
    refused("services: {a: {image: x, restart: sometimes}}\n", "invalid restart policy: sometimes");
    refused("services: {a: {image: x, tty: 'yes'}}\n", "services.a.tty must be a boolean");
    refused(
      "services: {a: {image: x, depends_on: {b: {condition: up}}}, b: {image: y}}\n",
      "condition must be one of",
    );
    refused("services: [a]\n", "services must be a object");
    refused("services: {a: {image: x}\n", "yaml:");
  });
});
