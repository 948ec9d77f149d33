import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../../files/testing/temp.js";
import { parseFlags } from "../flags.js";
import { configProxyVars } from "./config-proxies.js";
import { RUN_FLAGS, runOptionsOf } from "./container-flags.js";

const temp = tempDirs("wharf-config-proxies-");

function dockerConfig(doc: unknown): NodeJS.ProcessEnv {
  const dir = join(temp(), "docker");
  mkdirSync(dir);
  writeFileSync(join(dir, "config.json"), JSON.stringify(doc));
  return { DOCKER_CONFIG: dir };
}

describe("the docker CLI's config.json proxies", () => {
  const env = dockerConfig({
    auths: {},
    proxies: { default: { httpProxy: "http://proxy:3128", noProxy: "*.internal", ftpProxy: "" } },
  });

  it("become the proxy variables in both cases, those already given left out", () => {
    expect(configProxyVars(env, () => false)).toEqual([
      "HTTP_PROXY=http://proxy:3128",
      "http_proxy=http://proxy:3128",
      "NO_PROXY=*.internal",
      "no_proxy=*.internal",
    ]);
    expect(configProxyVars(env, (n) => n === "http_proxy")).not.toContain("http_proxy=http://proxy:3128");
    expect(configProxyVars({ DOCKER_CONFIG: join(temp(), "none") }, () => false)).toEqual([]);
    expect(
      configProxyVars(dockerConfig({ proxies: { "tcp://other:2376": { httpProxy: "x" } } }), () => false),
    ).toEqual([]);
  });

  it("reach run and create's environment, -e winning", async () => {
    const f = parseFlags(["-e", "HTTP_PROXY=http://mine:1", "img"], RUN_FLAGS, false);
    const o = await runOptionsOf(f, f.args.slice(1), env);
    expect(o.env).toEqual([
      "HTTP_PROXY=http://mine:1",
      "http_proxy=http://proxy:3128",
      "NO_PROXY=*.internal",
      "no_proxy=*.internal",
    ]);
  });
});
