/**
 * The DNS wire format (RFC 1035), as much as the network's DNS server needs: a query's header and
 * first question read, and answers written (A, AAAA, PTR; an empty answer; an error code). Written
 * by hand rather than with a package: the server reads one question and writes three record types,
 * and forwarded answers are relayed as they came, bytes unchanged but their ID.
 */

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

/** What the server reads of a query. */
export interface Query {
  id: number;
  /** The header's flags word (RD is kept in answers). */
  flags: number;
  /** The first question's name, lower-cased, without the trailing dot. */
  name: string;
  type: number;
  class: number;
  /** Where the first question ends: answers repeat the header's question, bytes up to here. */
  questionEnd: number;
  /** How many questions the header says (answers hold the first only). */
  qdcount: number;
}

/** A record to answer with: an address (A or AAAA by its form) or a name (PTR). */
export type Answer =
  | { type: typeof TYPE_A | typeof TYPE_AAAA; address: string }
  | { type: typeof TYPE_PTR; target: string };

/** Reads a name at `at` (compression pointers followed); returns it and where its bytes end. */
function readName(buf: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = at;
  let end = -1;
  for (let hops = 0; hops < 128; hops++) {
    if (pos >= buf.length) throw new Error("name past the end");
    const len = buf[pos] as number;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return { name: labels.join("."), end };
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new Error("pointer past the end");
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | (buf[pos + 1] as number);
      continue;
    }
    if ((len & 0xc0) !== 0) throw new Error("bad label");
    if (pos + 1 + len > buf.length) throw new Error("label past the end");
    labels.push(buf.toString("latin1", pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new Error("name too long");
}

/** Reads a query's header and first question; undefined when it is no query, or malformed. */
export function parseQuery(buf: Buffer): Query | undefined {
  if (buf.length < 12) return undefined;
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response
  const qdcount = buf.readUInt16BE(4);
  if (qdcount === 0) return undefined;
  try {
    const { name, end } = readName(buf, 12);
    if (end + 4 > buf.length) return undefined;
    return {
      id: buf.readUInt16BE(0),
      flags,
      name: name.toLowerCase(),
      type: buf.readUInt16BE(end),
      class: buf.readUInt16BE(end + 2),
      questionEnd: end + 4,
      qdcount,
    };
  } catch {
    return undefined;
  }
}

/** A name in wire form (no compression). */
export function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, "").split(".").filter(Boolean);
  const bufs = parts.map((p) => {
    const b = Buffer.from(p, "latin1");
    return Buffer.concat([Buffer.from([Math.min(b.length, 63)]), b.subarray(0, 63)]);
  });
  return Buffer.concat([...bufs, Buffer.from([0])]);
}

function ipv4Bytes(a: string): Buffer {
  return Buffer.from(a.split(".").map((x) => Number(x)));
}

/** An IPv6 address's 16 bytes (`::` expanded; an embedded IPv4 tail is not used by wharf). */
export function ipv6Bytes(a: string): Buffer {
  const [head = "", tail] = a.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g || "0", 16), i * 2);
  return out;
}

/**
 * An answer to `q` (the query's bytes `raw`): its ID, RD as asked, QR, RA and AA set, the first
 * question repeated, then the records, each for the question's name (a pointer to it), `ttl`.
 */
export function buildResponse(
  raw: Buffer,
  q: Query,
  rcode: number,
  answers: Answer[] = [],
  ttl = 600,
): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, AA, RD as asked, RA, the code.
  header.writeUInt16BE(0x8000 | 0x0400 | (q.flags & 0x0100) | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const question = raw.subarray(12, q.questionEnd);
  const records = answers.map((a) => {
    const rdata =
      "target" in a ? encodeName(a.target) : a.type === TYPE_A ? ipv4Bytes(a.address) : ipv6Bytes(a.address);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the question's name, at offset 12
    rr.writeUInt16BE(a.type, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, question, ...records]);
}

/** An error answer to bytes that are too broken to read a question from: the ID and FORMERR. */
export function formatError(raw: Buffer): Buffer | undefined {
  if (raw.length < 2) return undefined;
  const header = Buffer.alloc(12);
  raw.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8000 | 0x0080 | RCODE_FORMERR, 2);
  return header;
}

/** The address a PTR name asks for (`4.3.2.1.in-addr.arpa`, IPv6's nibbles), or undefined. */
export function ptrAddress(name: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  if (v4) return [v4[4], v4[3], v4[2], v4[1]].map((x) => String(Number(x))).join(".");
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(name);
  if (!v6?.[1]) return undefined;
  const nibbles = v6[1].split(".").filter(Boolean).reverse().join("");
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(nibbles.slice(i, i + 4));
  return canonicalIPv6(groups.join(":"));
}

/** An IPv6 address in one comparable form: eight groups, no leading zeros, lower case. */
export function canonicalIPv6(a: string): string {
  const b = ipv6Bytes(a.toLowerCase());
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(":");
}

/** The same message with another ID (a forwarded query, or its answer relayed). */
export function withId(msg: Buffer, id: number): Buffer {
  const out = Buffer.from(msg);
  if (out.length >= 2) out.writeUInt16BE(id, 0);
  return out;
}
