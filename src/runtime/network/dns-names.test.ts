import { describe, expect, it } from "vitest";
import { lookupAddress, lookupLink, lookupName, memberAt, type NetworkNames } from "./dns-names.js";
import { TYPE_A, TYPE_AAAA } from "./dns-wire.js";
import { linkTargets, type Member } from "./peers.js";

function m(ip: string, names: string[], networks: string[], ip6?: string): Member {
  return { ip, ...(ip6 ? { ip6 } : {}), names, base: "", hostsPath: "", networks };
}

const front: NetworkNames = {
  id: "n1",
  name: "front",
  members: {
    a: m("10.1.0.2", ["web", "www", "aaaaaaaaaaaa"], ["n1", "n2"], "fd00::2"),
    b: m("10.1.0.3", ["web2", "www", "bbbbbbbbbbbb"], ["n1"]),
    gone: m("10.1.0.9", ["old"], ["n1"]),
  },
};
const back: NetworkNames = {
  id: "n2",
  name: "back",
  members: {
    a: m("10.2.0.2", ["web", "api", "aaaaaaaaaaaa"], ["n1", "n2"]),
    c: m("10.2.0.5", ["db", "cccccccccccc"], ["n2"]),
  },
};
const live = (id: string) => id !== "gone";

describe("the names a network's DNS server answers", () => {
  it("answers a member's name, alias and short ID with its address on the first network that knows it", () => {
    expect(lookupName([front, back], "web", TYPE_A, live)).toEqual({ found: ["10.1.0.2"] });
    expect(lookupName([back, front], "web", TYPE_A, live)).toEqual({ found: ["10.2.0.2"] });
    expect(lookupName([front], "aaaaaaaaaaaa", TYPE_A, live)).toEqual({ found: ["10.1.0.2"] });
    expect(lookupName([front, back], "db", TYPE_A, live)).toEqual({ found: ["10.2.0.5"] });
  });

  it("answers NAME.NETWORK on that network only", () => {
    expect(lookupName([front, back], "web.back", TYPE_A, live)).toEqual({ found: ["10.2.0.2"] });
    expect(lookupName([front, back], "web.front", TYPE_A, live)).toEqual({ found: ["10.1.0.2"] });
    expect(lookupName([front, back], "db.front", TYPE_A, live)).toBeUndefined();
  });

  it("answers every member sharing an alias, each answer starting with the next one", () => {
    const first = lookupName([front], "www", TYPE_A, live);
    const second = lookupName([front], "www", TYPE_A, live);
    expect(first?.found).toHaveLength(2);
    expect(new Set(first?.found)).toEqual(new Set(["10.1.0.2", "10.1.0.3"]));
    expect(second?.found).toEqual([...(first?.found ?? [])].reverse());
  });

  it("does not answer names of networks the asker is not on, nor members that do not run", () => {
    expect(lookupName([front], "db", TYPE_A, live)).toBeUndefined();
    expect(lookupName([front], "old", TYPE_A, live)).toBeUndefined();
    expect(lookupName([front], "example.com", TYPE_A, live)).toBeUndefined();
  });

  it("answers AAAA with the IPv6 address, and a known name without one with no record (NOERROR)", () => {
    expect(lookupName([front], "web", TYPE_AAAA, live)).toEqual({ found: ["fd00::2"] });
    expect(lookupName([front], "web2", TYPE_AAAA, live)).toEqual({ found: [], nodata: true });
  });

  it("names an address NAME.NETWORK (PTR), IPv6 in any spelling", () => {
    expect(lookupAddress([front, back], "10.2.0.5", live)).toBe("db.back");
    expect(lookupAddress([front, back], "10.1.0.2", live)).toBe("web.front");
    expect(lookupAddress([front, back], "fd00:0:0::2", live)).toBe("web.front");
    expect(lookupAddress([front], "10.2.0.5", live)).toBeUndefined();
    expect(lookupAddress([front], "10.1.0.9", live)).toBeUndefined();
  });

  it("finds who asks by its address on the network", () => {
    expect(memberAt(front, "10.1.0.3", live)?.id).toBe("b");
    expect(memberAt(front, "::ffff:10.1.0.3", live)?.id).toBe("b");
    expect(memberAt(front, "10.1.0.9", live)).toBeUndefined();
  });
});

describe("link aliases (--link NAME:ALIAS on a user network)", () => {
  const linker = (links: Record<string, string>): Member => ({
    ...m("10.2.0.7", ["app", "dddddddddddd"], ["n2"]),
    links,
  });
  const net = (links: Record<string, string>): NetworkNames => ({
    ...back,
    members: {
      ...back.members,
      d: linker(links),
      gone: m("10.2.0.9", ["old"], ["n2"]),
      [`eeeeeeeeeeee1234${"0".repeat(48)}`]: m("10.2.0.8", ["cache", "eeeeeeeeeeee"], ["n2"]),
    },
  });

  it("answers the alias with the linked container's address, for the linking container alone", () => {
    const n = net({ database: "db", byid: "eeeeeeeeeeee1234", gone: "old" });
    expect(lookupLink([n], "d", "database", TYPE_A, live)).toEqual({ found: ["10.2.0.5"] });
    expect(lookupLink([n], "d", "byid", TYPE_A, live)).toEqual({ found: ["10.2.0.8"] });
    expect(lookupLink([n], "d", "database", TYPE_AAAA, live)).toEqual({ found: [], nodata: true });
    // Another member asking: not its link.
    expect(lookupLink([n], "c", "database", TYPE_A, live)).toBeUndefined();
    // A linked container that does not run there is not answered.
    expect(lookupLink([n], "d", "gone", TYPE_A, live)).toBeUndefined();
    expect(lookupLink([n], "d", "nosuch", TYPE_A, live)).toBeUndefined();
  });
});

describe("linkTargets", () => {
  it("puts run --link on the first network, network connect --link on its own; both forms", () => {
    const eps = [
      { network: "front", networkId: "n1" },
      { network: "back", networkId: "n2" },
    ];
    expect(
      linkTargets(eps, ["db:Database", "cache"], [{ network: "back", links: ["/web:/app/www"] }]),
    ).toEqual({
      n1: { database: "db", cache: "cache" },
      n2: { www: "web" },
    });
    expect(linkTargets(eps, undefined, undefined)).toEqual({});
  });
});
