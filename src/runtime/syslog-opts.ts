/**
 * The syslog logging driver's options (`--log-driver syslog --log-opt ...`), checked at create as
 * Docker's driver checks them (moby's `ValidateLogOpt` and its address, facility and format
 * parsers), and turned into what the forwarder (`syslog.ts`) needs at a start.
 */
import { statSync } from "node:fs";
import { WharfError } from "../errors/index.js";

/** The options Docker's syslog driver takes (its own, the log tag's, the dual-logging cache's). */
const KNOWN = new Set([
  "env",
  "env-regex",
  "labels",
  "labels-regex",
  "syslog-address",
  "syslog-facility",
  "syslog-tls-ca-cert",
  "syslog-tls-cert",
  "syslog-tls-key",
  "syslog-tls-skip-verify",
  "tag",
  "syslog-format",
  "mode",
  "max-buffer-size",
  "cache-disabled",
  "cache-max-size",
  "cache-max-file",
  "cache-compress",
]);

/** syslog's facility names and numbers (RFC 5424, 6.2.1), as Go's log/syslog names them. */
export const FACILITIES = [
  "kern",
  "user",
  "mail",
  "daemon",
  "auth",
  "syslog",
  "lpr",
  "news",
  "uucp",
  "cron",
  "authpriv",
  "ftp",
  "",
  "",
  "",
  "",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
] as const;

const FORMATS = new Set(["", "rfc3164", "rfc5424", "rfc5424micro"]);
const TAG_FIELDS = new Set(["ID", "FullID", "Name", "ImageID", "ImageFullID", "ImageName", "DaemonName"]);

export type SyslogTransport =
  | { kind: "unix"; path: string; datagram: boolean }
  | { kind: "net"; host: string; port: number; datagram: boolean };

function bad(message: string): WharfError {
  return new WharfError("invalid-argument", message);
}

/** `syslog-address`: `udp|tcp://HOST[:PORT]` (514 by default), `unix://PATH`, `unixgram://PATH`. */
export function parseSyslogAddress(address: string): SyslogTransport {
  const m = /^([a-z+]+):\/\/(.*)$/.exec(address);
  if (!m) throw bad(`syslog-address should be in form proto://address, got ${address}`);
  const [, scheme = "", rest = ""] = m;
  if (scheme === "unix" || scheme === "unixgram") {
    try {
      statSync(rest);
    } catch {
      throw bad(`stat ${rest}: no such file or directory`);
    }
    return { kind: "unix", path: rest, datagram: scheme === "unixgram" };
  }
  if (scheme === "tcp+tls") {
    throw new WharfError("invalid-argument", "syslog-address tcp+tls:// is not supported by wharf", {
      hint: "send to a tcp:// or udp:// address, or a local relay that speaks TLS",
    });
  }
  if (scheme !== "tcp" && scheme !== "udp") throw bad(`unsupported scheme: '${scheme}'`);
  const hp = /^(\[[^\]]+\]|[^:/]+)(?::(\d+))?$/.exec(rest);
  if (!hp) throw bad(`syslog-address should be in form proto://address, got ${address}`);
  const port = hp[2] === undefined ? 514 : Number(hp[2]);
  if (!(port > 0 && port < 65536)) throw bad(`invalid port in syslog-address: ${address}`);
  return { kind: "net", host: (hp[1] ?? "").replace(/^\[|\]$/g, ""), port, datagram: scheme === "udp" };
}

/** `syslog-facility`: a name, or a number 0-23; `daemon` when not given (Docker's default). */
export function parseFacility(v: string | undefined): string {
  if (v === undefined || v === "") return "daemon";
  if ((FACILITIES as readonly string[]).includes(v)) return v;
  if (/^\d+$/.test(v)) {
    const name = FACILITIES[Number(v)];
    if (name) return name;
  }
  throw bad("invalid syslog facility");
}

/** The fields a log tag's template may name (Docker's log tag options), checked at create. */
export function checkTag(tag: string): void {
  for (const m of tag.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    const field = /^\.([A-Za-z]+)$/.exec(m[1] ?? "")?.[1];
    if (!field || !TAG_FIELDS.has(field)) {
      throw bad(
        `template: log-tag: can't evaluate ${m[0]}: wharf's log tags take {{.ID}}, {{.FullID}}, {{.Name}}, {{.ImageID}}, {{.ImageFullID}}, {{.ImageName}}, {{.DaemonName}}`,
      );
    }
  }
}

/** Checks `--log-opt`s of the syslog driver; returns them as given (inspect's `LogConfig.Config`). */
export function checkSyslogOpts(opts: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(opts)) {
    if (!KNOWN.has(k)) throw bad(`unknown log opt '${k}' for syslog log driver`);
    if (k === "syslog-tls-ca-cert" || k === "syslog-tls-cert" || k === "syslog-tls-key") {
      throw new WharfError("invalid-argument", `${k} is not supported by wharf: it sends no TLS`, {
        hint: "send to a tcp:// or udp:// address",
      });
    }
    if ((k === "cache-disabled" || k === "cache-compress") && !/^(true|false|1|0)$/.test(v)) {
      throw bad(`invalid value for ${k}: ${v}`);
    }
    if (k === "mode" && v !== "blocking" && v !== "non-blocking") throw bad(`unknown mode ${v}`);
  }
  if (opts["syslog-address"]) parseSyslogAddress(opts["syslog-address"]);
  parseFacility(opts["syslog-facility"]);
  const format = opts["syslog-format"] ?? "";
  if (!FORMATS.has(format)) throw bad(`Invalid syslog format: ${format}`);
  if (opts.tag !== undefined) checkTag(opts.tag);
  return opts;
}

/** The container's facts a log tag names. */
export interface TagFacts {
  id: string;
  name: string;
  imageId: string;
  imageName: string;
}

/** The log tag: the template with the container's facts, `{{.ID}}` (12 hex digits) by default. */
export function renderTag(tag: string | undefined, f: TagFacts): string {
  const imageHex = f.imageId.replace(/^sha256:/, "");
  const values: Record<string, string> = {
    ID: f.id.slice(0, 12),
    FullID: f.id,
    Name: f.name.replace(/^\//, ""),
    ImageID: imageHex.slice(0, 12),
    ImageFullID: f.imageId,
    ImageName: f.imageName,
    DaemonName: "docker",
  };
  return (tag ?? "{{.ID}}").replace(/\{\{\s*\.([A-Za-z]+)\s*\}\}/g, (_, k: string) => values[k] ?? "");
}

/** Whether the dual-logging cache is off (`cache-disabled=true`): nothing kept for `logs`. */
export function cacheDisabled(opts: Record<string, string> | undefined): boolean {
  const v = opts?.["cache-disabled"];
  return v === "true" || v === "1";
}
