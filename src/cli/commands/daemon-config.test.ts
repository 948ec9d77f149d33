import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "../../files/testing/temp.js";
import { validateRoot } from "../../images/testing/validate.js";
import { startTestRegistry, type TestRegistry } from "../../registry/testing/server.js";
import { createTransport } from "../../remote/index.js";
import { makeImage, pushImage } from "../../remote/testing/images.js";
import { runCli } from "../testing/capture.js";
import { daemonConfigPath, proxyVariables, readDaemonConfig } from "./daemon-config.js";

const temp = tempDirs("wharf-daemon-json-");

function daemonJson(doc: unknown): NodeJS.ProcessEnv {
  const file = join(temp(), "daemon.json");
  writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc));
  return { WHARF_DAEMON_CONFIG: file };
}

describe("Docker's daemon.json", () => {
  it("is /etc/docker/daemon.json for root, WHARF_DAEMON_CONFIG when set", () => {
    expect(daemonConfigPath({})).toBe(
      process.getuid?.() === 0 ? "/etc/docker/daemon.json" : expect.any(String),
    );
    expect(daemonConfigPath({ WHARF_DAEMON_CONFIG: "/x.json" })).toBe("/x.json");
    expect(readDaemonConfig({ WHARF_DAEMON_CONFIG: "/nonexistent/daemon.json" })).toEqual({
      insecureRegistries: [],
      mirrors: [],
      proxies: {},
    });
  });

  it("gives its registry settings; a broken file is refused in Docker's words", () => {
    const env = daemonJson({
      "insecure-registries": ["reg.local:5000", "10.0.0.0/8"],
      "registry-mirrors": ["https://mirror.example/", "http://127.0.0.1:5001"],
      proxies: { "https-proxy": "http://proxy:3128", "no-proxy": "*.local" },
      "log-driver": "json-file",
    });
    expect(readDaemonConfig(env)).toMatchObject({
      insecureRegistries: ["reg.local:5000", "10.0.0.0/8"],
      mirrors: ["https://mirror.example", "http://127.0.0.1:5001"],
    });
    // The environment's own variables win; daemon.json fills in the rest.
    expect(proxyVariables({ HTTPS_PROXY: "http://mine:1" }, readDaemonConfig(env))).toEqual({
      HTTPS_PROXY: "http://mine:1",
      NO_PROXY: "*.local",
    });
    expect(() => readDaemonConfig(daemonJson("{ not json"))).toThrow(
      /^unable to configure wharf with file .*daemon\.json: /,
    );
    expect(() => readDaemonConfig(daemonJson({ "registry-mirrors": ["ftp://m"] }))).toThrow(
      'invalid mirror: unsupported scheme "ftp" in "ftp://m"',
    );
    expect(() => readDaemonConfig(daemonJson({ "registry-mirrors": ["https://m/v2/"] }))).toThrow(
      'invalid mirror: path, query, or fragment at end of the URI "https://m/v2/"',
    );
  });
});

describe("pull and info with registry-mirrors", () => {
  let mirror: TestRegistry;
  const saved = process.env.WHARF_DEFAULT_REGISTRY_API;
  beforeAll(async () => {
    mirror = await startTestRegistry();
    const t = createTransport(mirror.host);
    try {
      await pushImage({ transport: t, path: "library/app" }, await makeImage({ layers: [2000] }), "1");
    } finally {
      t.close();
    }
    // Docker Hub cannot be reached: only the mirror can serve `app:1`.
    process.env.WHARF_DEFAULT_REGISTRY_API = "127.0.0.1:9";
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.WHARF_DEFAULT_REGISTRY_API;
    else process.env.WHARF_DEFAULT_REGISTRY_API = saved;
    await mirror?.close();
  });

  it("pulls a Docker Hub name from the mirror; info lists it", async () => {
    const root = temp();
    const env = {
      ...process.env,
      DOCKER_CONFIG: join(root, "docker"),
      ...daemonJson({ "registry-mirrors": [`http://${mirror.host}`], "insecure-registries": ["docker.io"] }),
    };
    const pulled = await runCli(["pull", "-q", "app:1"], { root, env });
    expect(pulled.stderr).toBe("");
    expect(pulled.stdout).toBe("docker.io/library/app:1\n");
    await validateRoot(root);
    const info = await runCli(["info"], { root, env });
    expect(info.stdout).toContain(` Registry Mirrors:\n  http://${mirror.host}/\n`);
    expect(info.stdout).toContain(" Insecure Registries:\n  docker.io\n  ::1/128\n  127.0.0.0/8\n");
    // Without the mirror, the same pull goes to Docker Hub (unreachable here) and fails.
    const direct = await runCli(["pull", "-q", "app:1"], {
      root: temp(),
      env: { ...env, WHARF_DAEMON_CONFIG: "/nonexistent" },
    });
    expect(direct.status).not.toBe(0);
  });
});
