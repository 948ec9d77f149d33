/**
 * The syslog logging driver's forwarder: each line a container writes goes to syslog as one
 * message (stdout at `info`, stderr at `err`, the facility given or `daemon`, the log tag as the
 * program name), as Docker's driver sends it. The messages are written by util-linux's `logger`
 * (one process a stream, started at its first line, fed on stdin): Node has no Unix datagram
 * sockets, and /dev/log (the local default) is one. Loaded only for containers that use it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { statSync } from "node:fs";
import { connect } from "node:net";
import { WharfError } from "../errors/index.js";
import {
  parseFacility,
  parseSyslogAddress,
  renderTag,
  type SyslogTransport,
  type TagFacts,
} from "./syslog-opts.js";

/** Where a process's local syslog is (Go's log/syslog looks in these, in order). */
const LOCAL = ["/dev/log", "/var/run/syslog", "/var/run/log"];

export type Severity = "info" | "err";

export interface LineSink {
  /** One log line (without its newline) of a stream. */
  line(stream: "stdout" | "stderr", text: string): void;
  /** Ends the messages, resolving once they are sent (or after a few seconds). */
  close(): Promise<void>;
}

function startError(message: string): WharfError {
  return new WharfError("runtime", `failed to initialize logging driver: ${message}`, {
    hint: "check --log-opt syslog-address (the syslog server must be listening when the container starts)",
  });
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** The transport for the options: the address given, else the local syslog socket. */
export function syslogTransport(opts: Record<string, string>): SyslogTransport {
  const address = opts["syslog-address"];
  if (address) return parseSyslogAddress(address);
  const path = LOCAL.find(isSocket);
  if (!path) throw startError("Unix syslog delivery error");
  return { kind: "unix", path, datagram: true };
}

/** What Docker's dial does at a start: a Unix socket must be there, a TCP server must answer. */
async function reach(t: SyslogTransport): Promise<void> {
  if (t.kind === "unix") {
    if (!isSocket(t.path)) {
      throw startError(
        `dial ${t.datagram ? "unixgram" : "unix"} ${t.path}: connect: no such file or directory`,
      );
    }
    return;
  }
  if (t.datagram) return;
  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: t.host, port: t.port });
    const fail = (e: Error & { code?: string }) => {
      s.destroy();
      const why = e.code === "ECONNREFUSED" ? "connection refused" : e.message;
      reject(startError(`dial tcp ${t.host}:${t.port}: connect: ${why}`));
    };
    s.setTimeout(5000, () => fail(new Error("i/o timeout")));
    s.once("error", fail);
    s.once("connect", () => {
      s.end();
      resolve();
    });
  });
}

/** `logger`'s arguments for one stream's messages. */
export function loggerArgs(
  t: SyslogTransport,
  o: { tag: string; facility: string; severity: Severity; format: string; pid: number },
): string[] {
  const args = ["-t", o.tag, `--id=${o.pid}`, "-p", `${o.facility}.${o.severity}`, "-S", "65536"];
  if (t.kind === "unix") args.push("-u", t.path, t.datagram ? "-d" : "-T");
  else args.push("-n", t.host, "-P", String(t.port), t.datagram ? "-d" : "-T");
  if (o.format === "rfc5424" || o.format === "rfc5424micro") args.push("--rfc5424=notq", "--msgid", o.tag);
  // Docker's default over the network is the local format (no host name); logger's nearest is
  // RFC 3164's, which names the host.
  else if (o.format === "rfc3164" || t.kind === "net") args.push("--rfc3164");
  return args;
}

/**
 * The forwarder for a container about to start: the server reached first (a start fails as
 * Docker's does when it cannot be), then a `logger` per stream from its first line.
 */
export async function openSyslog(opts: Record<string, string>, facts: TagFacts): Promise<LineSink> {
  const t = syslogTransport(opts);
  await reach(t);
  const base = {
    tag: renderTag(opts.tag, facts),
    facility: parseFacility(opts["syslog-facility"]),
    format: opts["syslog-format"] ?? "",
    pid: process.pid,
  };
  const children: Partial<Record<"stdout" | "stderr", ChildProcess>> = {};
  const child = (stream: "stdout" | "stderr"): ChildProcess => {
    let c = children[stream];
    if (!c) {
      const args = loggerArgs(t, { ...base, severity: stream === "stderr" ? "err" : "info" });
      // Its own process group: a ^C at the terminal of a foreground run is not its to end on.
      c = spawn("logger", args, { stdio: ["pipe", "ignore", "ignore"], detached: true });
      c.on("error", () => undefined);
      c.stdin?.on("error", () => undefined);
      children[stream] = c;
    }
    return c;
  };
  return {
    line(stream, text) {
      // logger sends a message a line; an empty line is no message (as Docker skips it).
      const body = text.replace(/\r?\n$/, "");
      if (body === "") return;
      child(stream).stdin?.write(`${body}\n`);
    },
    async close() {
      await Promise.all(
        Object.values(children).map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              const timer = setTimeout(() => {
                c.kill("SIGKILL");
                resolve();
              }, 5000);
              c.once("close", () => {
                clearTimeout(timer);
                resolve();
              });
              c.stdin?.end();
            }),
        ),
      );
    },
  };
}
