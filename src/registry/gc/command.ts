import { WharfError } from "../../errors/index.js";
import type { RegistryConfig } from "../config/index.js";
import { parseDuration } from "../config/index.js";
import { fsDriver } from "../driver/fs.js";
import type { StorageDriver } from "../driver/types.js";
import { type CollectResult, garbageCollect } from "./collect.js";

export interface GcCommandOptions {
  dryRun: boolean;
  deleteUntagged: boolean;
  /** `--grace` as given (a Go duration); else the config's `wharf.gc.grace`; else 0. */
  grace?: string;
  emit(line: string): void;
}

/** The storage a config names, for a collection run outside the server (as `registry serve` opens it). */
async function storageOf(config: RegistryConfig): Promise<StorageDriver> {
  const st = config.storage;
  if (st.driver === "filesystem") return fsDriver({ root: st.root });
  if (st.driver === "s3") {
    const { s3Driver } = await import("../driver/s3.js");
    return s3Driver(st.s3);
  }
  throw new WharfError(
    "config-invalid",
    "config: storage: garbage collection of inmemory storage does nothing",
    {
      hint: "the inmemory driver's content lives in the serving process only",
    },
  );
}

/** `wharf registry garbage-collect CONFIG`: Distribution's command over the config's storage. */
export async function garbageCollectConfig(
  config: RegistryConfig,
  opts: GcCommandOptions,
): Promise<CollectResult> {
  let graceMs = config.gc?.graceMs ?? 0;
  if (opts.grace !== undefined) {
    const ms = parseDuration(opts.grace);
    if (ms === undefined || ms < 0) {
      throw new WharfError(
        "invalid-argument",
        `invalid duration for --grace: ${JSON.stringify(opts.grace)}`,
        {
          hint: "use a Go duration such as 0s, 30m or 24h",
        },
      );
    }
    graceMs = ms;
  }
  return garbageCollect(await storageOf(config), {
    dryRun: opts.dryRun,
    deleteUntagged: opts.deleteUntagged,
    graceMs,
    emit: opts.emit,
  });
}
