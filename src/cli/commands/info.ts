import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { arch, cpus, hostname, release, totalmem } from "node:os";
import { listImages, openImages } from "../../images/index.js";
import { findInit, listContainers } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { bytesSize, executeTemplate, parseFormat } from "../render/index.js";
import { VERSION } from "../version.js";
import { runtimeContext } from "./container-common.js";
import { daemonDocument, daemonNetworkDefaults, proxyVariables, readDaemonConfig } from "./daemon-config.js";
import {
  readSecurityHost,
  type SecurityHost,
  securityLines,
  securityOptions,
  wharfSecurity,
} from "./info-security.js";
import { insecureRegistries } from "./registry-options.js";

function osName(): string {
  const text = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? "Linux";
}

function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "ignore"] }).toString();
  } catch {
    return "";
  }
}

/** Docker's `RegistryConfig` and proxies, from daemon.json and the environment (what wharf's pulls use). */
function registryInfo(env: NodeJS.ProcessEnv) {
  const daemon = readDaemonConfig(env);
  const proxies = proxyVariables(env, daemon);
  const insecure = insecureRegistries({ env } as Context, undefined, daemon);
  const cidrs = insecure.filter((h) => h.includes("/"));
  const mirrors = daemon.mirrors.map((m) => `${m}/`);
  const index = (name: string, secure: boolean, official: boolean, ms: string[]) => ({
    Name: name,
    Mirrors: ms,
    Secure: secure,
    Official: official,
  });
  return {
    RegistryConfig: {
      InsecureRegistryCIDRs: ["::1/128", "127.0.0.0/8", ...cidrs],
      IndexConfigs: Object.fromEntries(
        [
          index("docker.io", true, true, mirrors),
          ...insecure.filter((h) => !h.includes("/")).map((h) => index(h, false, false, [])),
        ].map((c) => [c.Name, c] as const),
      ),
      Mirrors: mirrors,
    },
    HttpProxy: proxies.HTTP_PROXY ?? "",
    HttpsProxy: proxies.HTTPS_PROXY ?? "",
    NoProxy: proxies.NO_PROXY ?? "",
  };
}

/** daemon.json's share of `info`: the default logging driver and the default address pools. */
async function daemonInfo(
  env: NodeJS.ProcessEnv,
): Promise<{ LoggingDriver: string; DefaultAddressPools?: { Base: string; Size: number }[] }> {
  const formatIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  const doc = daemonDocument(env);
  const driver = doc?.keys["log-driver"];
  const pools = (await daemonNetworkDefaults(env))?.pools ?? [];
  return {
    LoggingDriver: typeof driver === "string" && driver !== "" ? driver : "json-file",
    ...(pools.length > 0
      ? {
          DefaultAddressPools: pools.map((p) => ({
            Base: `${formatIp(p.base.base)}/${p.base.prefix}`,
            Size: p.size,
          })),
        }
      : {}),
  };
}

/** Docker's `info` (`system.Info`), with wharf's facts: no daemon, its root, its runtime and init. */
export async function systemInfo(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  host: SecurityHost = readSecurityHost(),
) {
  const recs = await listContainers({ root });
  const running = recs.filter((r) => r.state === "running");
  const paused = running.filter((r) => r.paused);
  const store = await openImages(root);
  let images = 0;
  try {
    images = (await listImages(store)).length;
  } finally {
    await store.close();
  }
  let init = "";
  try {
    init = findInit();
  } catch {}
  const runc = /runc version (\S+)/.exec(tool("runc", ["--version"]))?.[1] ?? "";
  const security = securityOptions(host, wharfSecurity(env));
  const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
  return {
    ID: "",
    Containers: recs.length,
    ContainersRunning: running.length - paused.length,
    ContainersPaused: paused.length,
    ContainersStopped: recs.length - running.length,
    Images: images,
    Driver: "overlay2",
    Plugins: {
      Volume: ["local"],
      Network: ["bridge", "host", "none"],
      Log: ["json-file", "local", "syslog"],
    },
    CgroupDriver: "cgroupfs",
    CgroupVersion: v2 ? "2" : "1",
    KernelVersion: release(),
    OperatingSystem: osName(),
    OSType: "linux",
    Architecture: arch() === "x64" ? "x86_64" : arch() === "arm64" ? "aarch64" : arch(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    DockerRootDir: root,
    Name: hostname(),
    ServerVersion: `wharf ${VERSION} (no daemon)`,
    Runtimes: { runc: { path: "runc" } },
    DefaultRuntime: "runc",
    InitBinary: init,
    RuncCommit: { ID: runc },
    SecurityOptions: security.options,
    SystemTime: new Date().toISOString(),
    ...registryInfo(env),
    ...(await daemonInfo(env)),
    Warnings: [
      ...security.warnings,
      ...(init === "" ? ["WARNING: no init binary (docker-init or tini-static): --init is unavailable"] : []),
    ],
  };
}

export const command: Command = {
  path: ["info"],
  aliases: [["system", "info"]],
  usage: "[OPTIONS]",
  description: "Display system-wide information",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const i = await systemInfo(runtimeContext(ctx).root, ctx.env);
    const format = flag.string(f, "format");
    if (format) {
      ctx.out(executeTemplate(parseFormat(format).template, i));
      return 0;
    }
    const lines = [
      "Client:",
      ` Version:    ${VERSION}`,
      " Context:    default",
      ` Debug Mode: ${ctx.debug}`,
      "",
      "Server:",
      ` Containers: ${i.Containers}`,
      `  Running: ${i.ContainersRunning}`,
      `  Paused: ${i.ContainersPaused}`,
      `  Stopped: ${i.ContainersStopped}`,
      ` Images: ${i.Images}`,
      ` Server Version: ${i.ServerVersion}`,
      ` Storage Driver: ${i.Driver}`,
      ` Logging Driver: ${i.LoggingDriver}`,
      ` Cgroup Driver: ${i.CgroupDriver}`,
      ` Cgroup Version: ${i.CgroupVersion}`,
      " Plugins:",
      `  Volume: ${i.Plugins.Volume.join(" ")}`,
      `  Network: ${i.Plugins.Network.join(" ")}`,
      `  Log: ${i.Plugins.Log.join(" ")}`,
      ` Runtimes: ${Object.keys(i.Runtimes).join(" ")}`,
      ` Default Runtime: ${i.DefaultRuntime}`,
      ` Init Binary: ${i.InitBinary || "none"}`,
      ` runc version: ${i.RuncCommit.ID}`,
      ...securityLines(i.SecurityOptions),
      ` Kernel Version: ${i.KernelVersion}`,
      ` Operating System: ${i.OperatingSystem}`,
      ` OSType: ${i.OSType}`,
      ` Architecture: ${i.Architecture}`,
      ` CPUs: ${i.NCPU}`,
      ` Total Memory: ${bytesSize(i.MemTotal)}`,
      ` Name: ${i.Name}`,
      ` Docker Root Dir: ${i.DockerRootDir}`,
      ` Debug Mode: ${ctx.debug}`,
      ...(i.HttpProxy ? [` HTTP Proxy: ${i.HttpProxy}`] : []),
      ...(i.HttpsProxy ? [` HTTPS Proxy: ${i.HttpsProxy}`] : []),
      ...(i.NoProxy ? [` No Proxy: ${i.NoProxy}`] : []),
      " Experimental: false",
      " Insecure Registries:",
      ...Object.values(i.RegistryConfig.IndexConfigs)
        .filter((c) => !c.Secure)
        .map((c) => `  ${c.Name}`),
      ...i.RegistryConfig.InsecureRegistryCIDRs.map((c) => `  ${c}`),
      ...(i.RegistryConfig.Mirrors.length > 0
        ? [" Registry Mirrors:", ...i.RegistryConfig.Mirrors.map((m) => `  ${m}`)]
        : []),
      " Live Restore Enabled: false",
      ...(i.DefaultAddressPools
        ? [
            " Default Address Pools:",
            ...i.DefaultAddressPools.map((p) => `   Base: ${p.Base}, Size: ${p.Size}`),
          ]
        : []),
    ];
    ctx.out(lines.join("\n"));
    for (const w of i.Warnings) ctx.err(w);
    return 0;
  },
};
