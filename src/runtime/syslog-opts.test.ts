import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loggerArgs } from "./syslog.js";
import {
  cacheDisabled,
  checkSyslogOpts,
  parseFacility,
  parseSyslogAddress,
  renderTag,
} from "./syslog-opts.js";

describe("the syslog driver's options", () => {
  it("reads addresses as Docker's driver does: 514 by default, Unix paths that exist", () => {
    expect(parseSyslogAddress("udp://10.0.0.1")).toEqual({
      kind: "net",
      host: "10.0.0.1",
      port: 514,
      datagram: true,
    });
    expect(parseSyslogAddress("tcp://logs.example:6514")).toEqual({
      kind: "net",
      host: "logs.example",
      port: 6514,
      datagram: false,
    });
    expect(parseSyslogAddress("udp://[::1]:99")).toEqual({
      kind: "net",
      host: "::1",
      port: 99,
      datagram: true,
    });
    const dir = mkdtempSync(join(tmpdir(), "wharf-syslog-"));
    try {
      writeFileSync(join(dir, "s"), "");
      expect(parseSyslogAddress(`unixgram://${join(dir, "s")}`)).toEqual({
        kind: "unix",
        path: join(dir, "s"),
        datagram: true,
      });
      expect(parseSyslogAddress(`unix://${join(dir, "s")}`)).toMatchObject({ datagram: false });
      expect(() => parseSyslogAddress(`unix://${join(dir, "none")}`)).toThrow("no such file or directory");
    } finally {
      rmSync(dir, { recursive: true });
    }
    expect(() => parseSyslogAddress("10.0.0.1:514")).toThrow(
      "syslog-address should be in form proto://address, got 10.0.0.1:514",
    );
    expect(() => parseSyslogAddress("http://x")).toThrow("unsupported scheme: 'http'");
    expect(() => parseSyslogAddress("tcp+tls://x:1")).toThrow("tcp+tls:// is not supported by wharf");
    expect(() => parseSyslogAddress("udp://x:70000")).toThrow("invalid port");
  });

  it("takes facilities by name or number, daemon by default", () => {
    expect(parseFacility(undefined)).toBe("daemon");
    expect(parseFacility("local7")).toBe("local7");
    expect(parseFacility("16")).toBe("local0");
    expect(parseFacility("3")).toBe("daemon");
    expect(() => parseFacility("12")).toThrow("invalid syslog facility");
    expect(() => parseFacility("nope")).toThrow("invalid syslog facility");
  });

  it("renders the log tag's template, the short ID by default", () => {
    const facts = {
      id: "0123456789abcdef0123",
      name: "/web",
      imageId: "sha256:fedcba9876543210aa",
      imageName: "busybox:1",
    };
    expect(renderTag(undefined, facts)).toBe("0123456789ab");
    expect(renderTag("{{.Name}}/{{ .ImageID }}/{{.DaemonName}}", facts)).toBe("web/fedcba987654/docker");
    expect(renderTag("{{.FullID}} {{.ImageFullID}} {{.ImageName}}", facts)).toBe(
      "0123456789abcdef0123 sha256:fedcba9876543210aa busybox:1",
    );
  });

  it("checks every option at create, in Docker's words", () => {
    const ok = { "syslog-address": "udp://127.0.0.1:514", "syslog-format": "rfc5424micro", tag: "{{.Name}}" };
    expect(checkSyslogOpts(ok)).toEqual(ok);
    expect(() => checkSyslogOpts({ "max-size": "1m" })).toThrow(
      "unknown log opt 'max-size' for syslog log driver",
    );
    expect(() => checkSyslogOpts({ "syslog-format": "rfc1" })).toThrow("Invalid syslog format: rfc1");
    expect(() => checkSyslogOpts({ tag: "{{.Labels}}" })).toThrow("can't evaluate {{.Labels}}");
    expect(() => checkSyslogOpts({ "syslog-tls-cert": "/c.pem" })).toThrow("not supported by wharf");
    expect(() => checkSyslogOpts({ "cache-disabled": "yes" })).toThrow("invalid value for cache-disabled");
    expect(() => checkSyslogOpts({ mode: "fast" })).toThrow("unknown mode fast");
    expect(cacheDisabled({ "cache-disabled": "true" })).toBe(true);
    expect(cacheDisabled({ "cache-disabled": "false" })).toBe(false);
    expect(cacheDisabled(undefined)).toBe(false);
  });

  it("gives logger the transport, priority, tag and format", () => {
    const base = { tag: "t", facility: "daemon", pid: 42 };
    expect(
      loggerArgs(
        { kind: "unix", path: "/dev/log", datagram: true },
        { ...base, severity: "info", format: "" },
      ),
    ).toEqual(["-t", "t", "--id=42", "-p", "daemon.info", "-S", "65536", "-u", "/dev/log", "-d"]);
    expect(
      loggerArgs(
        { kind: "net", host: "127.0.0.1", port: 514, datagram: false },
        { ...base, severity: "err", format: "rfc5424" },
      ),
    ).toEqual([
      "-t",
      "t",
      "--id=42",
      "-p",
      "daemon.err",
      "-S",
      "65536",
      "-n",
      "127.0.0.1",
      "-P",
      "514",
      "-T",
      "--rfc5424=notq",
      "--msgid",
      "t",
    ]);
    expect(
      loggerArgs(
        { kind: "net", host: "h", port: 1, datagram: true },
        { ...base, severity: "info", format: "" },
      ),
    ).toContain("--rfc3164");
  });
});
