import { type FlagOverrides, loadRegistryConfig, startRegistryServer } from "../../registry/index.js";
import type { Command } from "../command.js";
import { flag } from "../command.js";
import { proxyUpstream } from "../registry-upstream.js";

export const command: Command = {
  path: ["registry", "serve"],
  usage: "[OPTIONS] [CONFIG]",
  description: "Run an OCI registry (reads Distribution's config.yml and REGISTRY_* variables)",
  flags: [
    {
      name: "config",
      short: "c",
      type: "string",
      description: "Registry config file (Distribution's config.yml)",
    },
    {
      name: "addr",
      type: "string",
      valueName: "HOST:PORT",
      description: 'Listen address (default "127.0.0.1:5000")',
    },
    {
      name: "root",
      type: "string",
      valueName: "DIR",
      description: "Storage directory (default <wharf root>/registry)",
    },
    { name: "tls-cert", type: "string", valueName: "FILE", description: "TLS certificate (PEM)" },
    { name: "tls-key", type: "string", valueName: "FILE", description: "TLS private key (PEM)" },
    {
      name: "htpasswd",
      type: "string",
      valueName: "FILE",
      description: "Require basic auth against an htpasswd file (bcrypt)",
    },
    {
      name: "token",
      type: "bool",
      description: "Use token auth with the built-in token server at /auth/token",
    },
    {
      name: "token-key",
      type: "string",
      valueName: "FILE",
      description: "Token signing key (PEM; created when missing)",
    },
    {
      name: "anonymous",
      type: "bool",
      description: "Use the token server and let it issue tokens without credentials",
    },
    { name: "delete", type: "bool", description: "Allow deleting manifests, tags and blobs" },
    { name: "log-level", type: "string", valueName: "LEVEL", description: "error, warn, info or debug" },
    { name: "log-format", type: "string", valueName: "FORMAT", description: "text, json or logstash" },
  ],
  maxArgs: 1,
  async run(ctx, f) {
    const overrides: FlagOverrides = {};
    const str = (name: string, key: keyof FlagOverrides) => {
      const v = flag.string(f, name);
      if (v !== undefined) (overrides as Record<string, unknown>)[key] = v;
    };
    str("addr", "addr");
    str("root", "root");
    str("tls-cert", "tlsCert");
    str("tls-key", "tlsKey");
    str("htpasswd", "htpasswd");
    str("token-key", "tokenKey");
    str("log-level", "logLevel");
    str("log-format", "logFormat");
    if (flag.bool(f, "token")) overrides.token = true;
    if (flag.bool(f, "anonymous")) overrides.anonymous = true;
    if (flag.bool(f, "delete")) overrides.delete = true;

    // `wharf registry serve config.yml` as `registry serve config.yml`.
    const file = flag.string(f, "config") ?? f.args[0];
    const config = await loadRegistryConfig({
      ...(file !== undefined ? { file } : {}),
      env: ctx.env,
      flags: overrides,
      wharfRoot: ctx.root,
    });
    const running = await startRegistryServer({
      config,
      write: (line) => ctx.err(line),
      makeUpstream: proxyUpstream,
    });
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals === 1) running.logger.info(`received ${sig}: stopping`);
      else running.logger.warn(`received ${sig} again: closing open connections`);
      void running.close({ force: signals > 1 });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    try {
      await running.done;
    } finally {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
    return 0;
  },
};
