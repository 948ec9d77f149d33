import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { errnoCode, WharfError } from "../../errors/index.js";
import { applyEnv } from "./env.js";
import { applyFlags } from "./flags.js";
import { defaultStorageRoot, resolveTree } from "./resolve.js";
import { isObject, type Tree } from "./tree.js";
import type { FlagOverrides, RegistryConfig } from "./types.js";
import { validateTree } from "./validate.js";

export interface LoadOptions {
  /** config.yml path (`--config`); else `REGISTRY_CONFIGURATION_PATH`, as Distribution; else none. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: FlagOverrides;
  /** The wharf state root; storage defaults to `<root>/registry`. */
  wharfRoot: string;
}

/** Parses config.yml text into a tree; an empty document is an empty config. */
export function parseConfigText(text: string, source: string): Tree {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new WharfError(
      "config-invalid",
      `config: cannot parse ${source}: ${e instanceof Error ? e.message : e}`,
      { cause: e },
    );
  }
  if (doc === null || doc === undefined) return {};
  if (!isObject(doc)) throw new WharfError("config-invalid", `config: ${source}: expected a YAML mapping`);
  return doc;
}

/** Builds the settings from a tree plus environment and flags (no file access; for tests). */
export function configFrom(tree: Tree, opts: Omit<LoadOptions, "file">): RegistryConfig {
  const warnings = applyEnv(tree, opts.env ?? {});
  applyFlags(tree, opts.flags ?? {});
  warnings.push(...validateTree(tree));
  return resolveTree(tree, defaultStorageRoot(opts.wharfRoot), warnings);
}

/**
 * Reads the registry's settings: Distribution's config.yml, then `REGISTRY_*` environment variables,
 * then flags, each overriding the one before. Throws `config-invalid` naming the key at fault.
 */
export async function loadRegistryConfig(opts: LoadOptions): Promise<RegistryConfig> {
  const file = opts.file ?? opts.env?.REGISTRY_CONFIGURATION_PATH;
  let tree: Tree = {};
  if (file !== undefined && file !== "") {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw new WharfError("config-invalid", `config: cannot read ${file}: ${errnoCode(e) ?? String(e)}`, {
        cause: e,
      });
    }
    tree = parseConfigText(text, file);
    if (tree.version === undefined) {
      throw new WharfError("config-invalid", `config: version: missing in ${file}`, {
        hint: "start the file with `version: 0.1`",
      });
    }
  }
  return configFrom(tree, opts);
}
