import { WharfError } from "../errors/index.js";
import { keepsLog, type LogEntry, readLogFile } from "./logs.js";
import { getContainer, pollRecord } from "./reconcile.js";
import type { RuntimeContext } from "./types.js";

export interface ContainerLogOptions {
  /** `--tail N`: only the last N lines. */
  tail?: number;
  /** `-f`: keep following until the container stops. */
  follow?: boolean;
  /** `--until` (ms since the epoch): following ends once this time has passed. */
  until?: number;
}

/**
 * A container's log entries (`logs`), oldest first, from its json-file log. With `follow`, new
 * entries come as they are written, until the container is no longer running and its monitor has
 * finished writing.
 */
export async function readLogs(
  ctx: RuntimeContext,
  ref: string,
  opts: ContainerLogOptions = {},
): Promise<AsyncIterable<LogEntry>> {
  const rec = await getContainer(ctx, ref);
  if (!keepsLog(rec.options.logOpts)) throw noLogs();
  const done = async () => {
    if (opts.until !== undefined && Date.now() > opts.until) return true;
    const r = await pollRecord(ctx, rec.id, () => true, 0);
    return r?.state !== "running";
  };
  return readLogFile(rec.logPath, {
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    follow: opts.follow === true,
    done,
  });
}

/** Docker's answer to `logs` of a container whose log driver keeps nothing (`--log-driver none`). */
export function noLogs(): WharfError {
  return new WharfError("invalid-argument", "configured logging driver does not support reading", {
    hint: "the container was made with --log-driver none (or syslog with cache-disabled=true): make it with json-file (the default) or local",
  });
}
