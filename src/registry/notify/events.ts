import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Descriptor, Event, EventTarget, Occurrence, RequestFacts } from "./types.js";

/** Distribution reports blobs with this media type whatever they hold. */
export const BLOB_MEDIA_TYPE = "application/octet-stream";

function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(",")[0]?.trim() || undefined;
}

/** The facts of a request an event records (Distribution's `request` object, plus scheme and user). */
export function requestFacts(req: IncomingMessage, user?: string): RequestFacts {
  const socket = req.socket as (typeof req.socket & { encrypted?: boolean }) | undefined;
  const remote = socket?.remoteAddress ?? "";
  const port = socket?.remotePort;
  const forwarded = first(req.headers["x-forwarded-for"]) ?? first(req.headers["x-real-ip"]);
  const addr = forwarded ?? (remote.includes(":") ? `[${remote}]:${port}` : `${remote}:${port}`);
  const facts: RequestFacts = {
    id: randomUUID(),
    addr,
    host: first(req.headers["x-forwarded-host"]) ?? req.headers.host ?? "",
    method: req.method ?? "",
    useragent: req.headers["user-agent"] ?? "",
    scheme: first(req.headers["x-forwarded-proto"]) ?? (socket?.encrypted ? "https" : "http"),
  };
  if (user) facts.user = user;
  return facts;
}

function descriptor(v: unknown): Descriptor | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const d: Descriptor = {};
  if (typeof o.mediaType === "string") d.mediaType = o.mediaType;
  if (typeof o.size === "number") d.size = o.size;
  if (typeof o.digest === "string") d.digest = o.digest;
  if (Array.isArray(o.urls) && o.urls.length > 0) d.urls = o.urls.filter((u) => typeof u === "string");
  if (typeof o.annotations === "object" && o.annotations !== null)
    d.annotations = o.annotations as Record<string, string>;
  if (typeof o.platform === "object" && o.platform !== null)
    d.platform = o.platform as Record<string, unknown>;
  return d;
}

/**
 * The descriptors a manifest references, in Distribution's order: an image manifest's config then
 * its layers; an index's manifests.
 */
export function referencesOf(body: Buffer): Descriptor[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return [];
  }
  if (typeof doc !== "object" || doc === null) return [];
  const o = doc as Record<string, unknown>;
  const list: unknown[] = [];
  if (Array.isArray(o.manifests)) list.push(...o.manifests);
  else {
    if (o.config !== undefined) list.push(o.config);
    if (Array.isArray(o.layers)) list.push(...o.layers);
  }
  return list.map(descriptor).filter((d): d is Descriptor => d !== undefined);
}

function targetOf(o: Occurrence, base: string, includeReferences: boolean): EventTarget {
  const repository = o.repository;
  if (o.action === "delete") {
    return o.kind === "tag" ? { repository, tag: o.tag } : { digest: o.digest, repository };
  }
  if (o.kind === "blob") {
    const t: EventTarget = {
      mediaType: BLOB_MEDIA_TYPE,
      size: o.size,
      digest: o.digest,
      length: o.size,
      repository,
    };
    if (o.action === "mount") t.fromRepository = o.from;
    t.url = `${base}/v2/${repository}/blobs/${o.digest}`;
    return t;
  }
  const t: EventTarget = {
    mediaType: o.mediaType,
    size: o.body.length,
    digest: o.digest,
    length: o.body.length,
    repository,
    url: `${base}/v2/${repository}/manifests/${o.digest}`,
  };
  if (o.tag !== undefined) t.tag = o.tag;
  if (includeReferences) t.references = referencesOf(o.body);
  return t;
}

/** Distribution's event for one occurrence. `now` is the event's time. */
export function buildEvent(
  o: Occurrence,
  req: RequestFacts,
  source: { addr: string; instanceID: string },
  opts: { includeReferences: boolean; now?: Date },
): Event {
  const { scheme, user, ...request } = req;
  return {
    id: randomUUID(),
    timestamp: (opts.now ?? new Date()).toISOString(),
    action: o.action,
    target: targetOf(o, `${scheme}://${req.host}`, opts.includeReferences),
    request,
    actor: user ? { name: user } : {},
    source,
  };
}
