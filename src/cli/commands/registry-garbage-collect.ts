import { WharfError } from "../../errors/index.js";
import { garbageCollectConfig, loadRegistryConfig } from "../../registry/index.js";
import { type Command, flag } from "../command.js";

/**
 * Distribution's `registry garbage-collect`, with its flags and its output on stdout. It is safe
 * beside registries serving the same storage (wharf's, not Distribution's): see the registry's
 * README, "Garbage collection".
 */
export const command: Command = {
  path: ["registry", "garbage-collect"],
  usage: "[OPTIONS] CONFIG",
  description: "Delete blobs that no manifest references (Distribution's garbage-collect)",
  flags: [
    { name: "dry-run", short: "d", type: "bool", description: "Do everything except remove the blobs" },
    {
      name: "delete-untagged",
      short: "m",
      type: "bool",
      description: "Delete manifests that are not currently referenced via tag",
    },
    {
      name: "grace",
      type: "string",
      valueName: "DURATION",
      description: "Keep what was pushed or used this recently (default wharf.gc.grace, else 0s)",
    },
  ],
  maxArgs: 1,
  async run(ctx, f) {
    const file = f.args[0] ?? ctx.env.REGISTRY_CONFIGURATION_PATH;
    if (file === undefined || file === "") {
      throw new WharfError("usage", "registry garbage-collect needs the registry's config file", {
        hint: "wharf registry garbage-collect /etc/docker/registry/config.yml",
      });
    }
    const config = await loadRegistryConfig({ file, env: ctx.env, wharfRoot: ctx.root });
    const grace = flag.string(f, "grace");
    await garbageCollectConfig(config, {
      dryRun: flag.bool(f, "dry-run"),
      deleteUntagged: flag.bool(f, "delete-untagged"),
      ...(grace !== undefined ? { grace } : {}),
      emit: (line) => ctx.out(line),
    });
    return 0;
  },
};
