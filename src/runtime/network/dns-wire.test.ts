import { describe, expect, it } from "vitest";
import {
  buildResponse,
  canonicalIPv6,
  encodeName,
  formatError,
  parseQuery,
  ptrAddress,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_AAAA,
  TYPE_PTR,
  withId,
} from "./dns-wire.js";

/** A query as resolvers send it: ID, RD, one question. */
function query(id: number, name: string, type: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([h, encodeName(name), q]);
}

describe("the DNS wire format", () => {
  it("reads a query's ID, flags and first question (the name lower-cased)", () => {
    const q = parseQuery(query(0x1234, "Web.MyNet", TYPE_AAAA));
    expect(q).toEqual({
      id: 0x1234,
      flags: 0x0100,
      name: "web.mynet",
      type: TYPE_AAAA,
      class: 1,
      questionEnd: 12 + 11 + 4,
      qdcount: 1,
    });
  });

  it("refuses what is no query: too short, a response, no question, a label past the end", () => {
    expect(parseQuery(Buffer.alloc(5))).toBeUndefined();
    const resp = query(1, "a", TYPE_A);
    resp.writeUInt16BE(0x8000, 2);
    expect(parseQuery(resp)).toBeUndefined();
    const none = query(1, "a", TYPE_A);
    none.writeUInt16BE(0, 4);
    expect(parseQuery(none)).toBeUndefined();
    const cut = query(1, "abcdef", TYPE_A).subarray(0, 16);
    expect(parseQuery(cut)).toBeUndefined();
    // FORMERR keeps the ID.
    const err = formatError(cut) as Buffer;
    expect(err.readUInt16BE(0)).toBe(1);
    expect(err.readUInt16BE(2) & 0x800f).toBe(0x8001);
  });

  it("follows a compression pointer in a question", () => {
    // The name at 12 is a pointer to offset 12 + 6, where "ab" then "cd" are written.
    const h = Buffer.alloc(12);
    h.writeUInt16BE(7, 0);
    h.writeUInt16BE(1, 4);
    const body = Buffer.from([0xc0, 18, 0, 1, 0, 1, 2, 0x61, 0x62, 2, 0x63, 0x64, 0]);
    const q = parseQuery(Buffer.concat([h, body]));
    expect(q?.name).toBe("ab.cd");
    expect(q?.type).toBe(TYPE_A);
    expect(q?.questionEnd).toBe(18);
  });

  it("answers with A, AAAA and PTR records for the question's name, RD kept, AA and RA set", () => {
    const raw = query(0xbeef, "web", TYPE_A);
    const q = parseQuery(raw);
    if (!q) throw new Error("no query");
    const r = buildResponse(raw, q, RCODE_NOERROR, [
      { type: TYPE_A, address: "172.19.0.2" },
      { type: TYPE_A, address: "172.19.0.3" },
    ]);
    expect(r.readUInt16BE(0)).toBe(0xbeef);
    expect(r.readUInt16BE(2)).toBe(0x8580);
    expect(r.readUInt16BE(4)).toBe(1);
    expect(r.readUInt16BE(6)).toBe(2);
    // The question, repeated as asked.
    expect(r.subarray(12, q.questionEnd)).toEqual(raw.subarray(12));
    const first = r.subarray(q.questionEnd);
    expect(first.readUInt16BE(0)).toBe(0xc00c);
    expect(first.readUInt16BE(2)).toBe(TYPE_A);
    expect(first.readUInt32BE(6)).toBe(600);
    expect(first.readUInt16BE(10)).toBe(4);
    expect([...first.subarray(12, 16)]).toEqual([172, 19, 0, 2]);
    expect([...first.subarray(28, 32)]).toEqual([172, 19, 0, 3]);

    const raw6 = query(2, "web", TYPE_AAAA);
    const q6 = parseQuery(raw6);
    if (!q6) throw new Error("no query");
    const r6 = buildResponse(raw6, q6, RCODE_NOERROR, [{ type: TYPE_AAAA, address: "fd00:1::2" }]);
    const rr6 = r6.subarray(q6.questionEnd);
    expect(rr6.readUInt16BE(10)).toBe(16);
    expect(rr6.subarray(12).toString("hex")).toBe("fd000001000000000000000000000002");

    const rawp = query(3, "2.0.19.172.in-addr.arpa", TYPE_PTR);
    const qp = parseQuery(rawp);
    if (!qp) throw new Error("no query");
    const rp = buildResponse(rawp, qp, RCODE_NOERROR, [{ type: TYPE_PTR, target: "web.mynet" }]);
    expect(rp.subarray(qp.questionEnd + 12)).toEqual(encodeName("web.mynet"));
  });

  it("answers an error or no record: no answers, the code in the header", () => {
    const raw = query(9, "nothing", TYPE_A);
    const q = parseQuery(raw);
    if (!q) throw new Error("no query");
    const r = buildResponse(raw, q, RCODE_NXDOMAIN);
    expect(r.readUInt16BE(2) & 0xf).toBe(RCODE_NXDOMAIN);
    expect(r.readUInt16BE(6)).toBe(0);
    expect(r.length).toBe(q.questionEnd);
  });

  it("reads the address a PTR name asks for, IPv4 and IPv6", () => {
    expect(ptrAddress("4.3.2.1.in-addr.arpa")).toBe("1.2.3.4");
    // fd00:0:0:1::2, its 32 nibbles last first.
    const nibbles = "fd000000000000010000000000000002".split("").reverse().join(".");
    expect(ptrAddress(`${nibbles}.ip6.arpa`)).toBe(canonicalIPv6("fd00:0:0:1::2"));
    expect(ptrAddress("web.mynet")).toBeUndefined();
    expect(ptrAddress("3.2.1.in-addr.arpa")).toBeUndefined();
  });

  it("changes a message's ID (a forwarded query, its answer relayed)", () => {
    const raw = query(1, "x", TYPE_A);
    const moved = withId(raw, 0xabcd);
    expect(moved.readUInt16BE(0)).toBe(0xabcd);
    expect(raw.readUInt16BE(0)).toBe(1);
    expect(moved.subarray(2)).toEqual(raw.subarray(2));
  });
});
