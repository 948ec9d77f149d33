import { describe, expect, it } from "vitest";
import { hostConfigNs } from "./inspect-ns.js";
import {
  applyLinked,
  checkEndpointLinks,
  configEnv,
  hasLinks,
  linkEnv,
  linkHostNames,
  parseLink,
} from "./links.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

describe("parseLink", () => {
  it("takes NAME, NAME:ALIAS and inspect's /name:/parent/alias, as Docker's ParseLink", () => {
    expect(parseLink("db")).toEqual({ name: "db", alias: "db" });
    expect(parseLink("db:database")).toEqual({ name: "db", alias: "database" });
    expect(parseLink("/db:/web/database")).toEqual({ name: "db", alias: "database" });
  });
  it("refuses Docker's bad formats in its words", () => {
    expect(() => parseLink("a:b:c")).toThrow(
      'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c',
    );
    expect(() => parseLink("")).toThrow("empty string specified for links");
  });
});

describe("linkEnv", () => {
  it("names the variables as Docker's ToEnv: the lowest TCP port first, then each port, the name, the env", () => {
    const env = linkEnv({
      name: "/web/my-db",
      ip: "172.17.0.2",
      ports: ["5432/tcp", "53/udp", "80/tcp"],
      env: ["PATH=/usr/bin", "PASSWORD=x", "HOME=/root", "A=b=c", "NOVALUE"],
    });
    expect(env).toEqual([
      "MY_DB_PORT=tcp://172.17.0.2:80",
      "MY_DB_PORT_80_TCP=tcp://172.17.0.2:80",
      "MY_DB_PORT_80_TCP_ADDR=172.17.0.2",
      "MY_DB_PORT_80_TCP_PORT=80",
      "MY_DB_PORT_80_TCP_PROTO=tcp",
      "MY_DB_PORT_5432_TCP=tcp://172.17.0.2:5432",
      "MY_DB_PORT_5432_TCP_ADDR=172.17.0.2",
      "MY_DB_PORT_5432_TCP_PORT=5432",
      "MY_DB_PORT_5432_TCP_PROTO=tcp",
      "MY_DB_PORT_53_UDP=udp://172.17.0.2:53",
      "MY_DB_PORT_53_UDP_ADDR=172.17.0.2",
      "MY_DB_PORT_53_UDP_PORT=53",
      "MY_DB_PORT_53_UDP_PROTO=udp",
      "MY_DB_NAME=/web/my-db",
      "MY_DB_ENV_PASSWORD=x",
      "MY_DB_ENV_A=b=c",
    ]);
  });
  it("adds _START and _END for a run of consecutive ports", () => {
    const env = linkEnv({
      name: "/w/db",
      ip: "10.0.0.2",
      ports: ["7001/tcp", "7000/tcp", "7002/tcp"],
      env: [],
    });
    expect(env.filter((e) => /START|END/.test(e))).toEqual([
      "DB_PORT_7000_TCP_START=tcp://10.0.0.2:7000",
      "DB_PORT_7000_TCP_PORT_START=7000",
      "DB_PORT_7000_TCP_END=tcp://10.0.0.2:7002",
      "DB_PORT_7000_TCP_PORT_END=7002",
    ]);
    expect(env[0]).toBe("DB_PORT=tcp://10.0.0.2:7000");
  });
  it("has only the name without exposed ports", () => {
    expect(linkEnv({ name: "/w/db", ip: "10.0.0.2", ports: [], env: [] })).toEqual(["DB_NAME=/w/db"]);
  });
});

describe("hosts lines", () => {
  it("list the alias, the hostname and the name when it is not the alias", () => {
    expect(linkHostNames("database", "0123456789ab", "db")).toBe("database 0123456789ab db");
    expect(linkHostNames("db", "0123456789ab", "db")).toBe("db 0123456789ab");
  });
});

function record(o: Partial<ContainerRecord>): ContainerRecord {
  return { name: "web", env: [], imageConfig: {}, options: {}, ...o } as ContainerRecord;
}

describe("configEnv", () => {
  it("is the linked container's Config.Env: without the HOSTNAME and TERM added at its start", () => {
    const rec = record({
      env: ["HOSTNAME=abc", "TERM=xterm", "IMG=1", "PASSWORD=x", "PATH=/bin"],
      imageConfig: { Env: ["IMG=1"] },
      options: { env: ["PASSWORD=x"], tty: true },
    });
    expect(configEnv(rec)).toEqual(["IMG=1", "PASSWORD=x", "PATH=/bin"]);
    const own = record({ env: ["HOSTNAME=abc", "TERM=vt100"], options: { env: ["TERM=vt100"] } });
    expect(configEnv(own)).toEqual(["TERM=vt100"]);
  });
});

describe("applyLinked", () => {
  it("puts the links' variables after HOSTNAME/TERM, the container's own winning, and hosts after --add-host", () => {
    const rec = record({
      env: ["HOSTNAME=abc", "TERM=xterm", "DB_NAME=mine", "PATH=/bin"],
      options: { extraHosts: ["h:1.2.3.4"] },
    });
    const out = applyLinked(rec, { env: ["DB_NAME=/web/db", "DB_ENV_X=1"], hosts: ["db abc:172.17.0.2"] });
    expect(out.env).toEqual(["HOSTNAME=abc", "TERM=xterm", "DB_ENV_X=1", "DB_NAME=mine", "PATH=/bin"]);
    expect(out.options.extraHosts).toEqual(["h:1.2.3.4", "db abc:172.17.0.2"]);
    expect(rec.options.extraHosts).toEqual(["h:1.2.3.4"]);
    expect(applyLinked(rec, { env: [], hosts: [] })).toBe(rec);
  });
});

describe("inspect's HostConfig.Links", () => {
  it("shows the default bridge's links as /name:/parent/alias, null on user networks or without links", () => {
    expect(hostConfigNs({ links: ["db:database", "cache:cache"] }, "web").Links).toEqual([
      "/db:/web/database",
      "/cache:/web/cache",
    ]);
    expect(hostConfigNs({ links: ["db:db"], network: "mynet" }, "web").Links).toBeNull();
    // The primary network decides: a default-bridge container connected to another keeps them.
    const connected = { links: ["db:db"], endpoints: [{ network: "bridge" }, { network: "mynet" }] };
    expect(hostConfigNs(connected, "web").Links).toEqual(["/db:/web/db"]);
    expect(hostConfigNs({ ...connected, endpoints: [{ network: "mynet" }] }, "web").Links).toBeNull();
    expect(hostConfigNs({}, "web").Links).toBeNull();
  });
});

describe("network connect --link", () => {
  it("counts as links to resolve at a start, as --link does", () => {
    expect(hasLinks({})).toBe(false);
    expect(hasLinks({ links: ["db"] })).toBe(true);
    expect(hasLinks({ endpoints: [{ network: "a" }, { network: "b", links: [] }] })).toBe(false);
    expect(hasLinks({ endpoints: [{ network: "a" }, { network: "b", links: ["db:kv"] }] })).toBe(true);
  });
  it("is refused on the default bridge in Docker's words, and its format checked as --link's", async () => {
    const ctx = { root: "/nonexistent" } as RuntimeContext;
    await expect(checkEndpointLinks(ctx, ["db:kv"], false)).rejects.toThrow(
      "links are only supported for user-defined networks",
    );
    await expect(checkEndpointLinks(ctx, ["a:b:c"], true)).rejects.toThrow("bad format for links: a:b:c");
    await expect(checkEndpointLinks(ctx, [], false)).resolves.toEqual([]);
  });
});
