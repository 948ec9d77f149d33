import { isDigest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { isIndexMediaType, isManifestMediaType, isValidMediaType, MediaType } from "./media-types.js";
import type { Descriptor, ImageConfig, Index, Manifest, ManifestDocument, Platform } from "./types.js";

type Json = Record<string, unknown>;

function fail(what: string): never {
  throw new WharfError("manifest-invalid", `manifest invalid: ${what}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkStringMap(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== "string")) {
    fail(`${where} must map strings to strings`);
  }
}

function checkStringArray(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) fail(`${where} must be an array of strings`);
}

function checkPlatform(v: unknown, where: string): asserts v is Platform {
  if (!isObject(v)) fail(`${where} must be an object`);
  if (typeof v.architecture !== "string" || typeof v.os !== "string") {
    fail(`${where} needs string "architecture" and "os"`);
  }
  if (v.variant !== undefined && typeof v.variant !== "string") fail(`${where}.variant must be a string`);
  checkStringArray(v["os.features"], `${where}.os.features`);
}

/** Validates one descriptor object; `where` names it in the error. */
export function checkDescriptor(v: unknown, where: string): asserts v is Descriptor {
  if (!isObject(v)) fail(`${where} must be an object`);
  if (typeof v.mediaType !== "string" || !isValidMediaType(v.mediaType)) {
    fail(`${where}.mediaType must be a valid media type`);
  }
  if (!isDigest(v.digest)) fail(`${where}.digest is not a valid digest`);
  if (typeof v.size !== "number" || !Number.isSafeInteger(v.size) || v.size < 0) {
    fail(`${where}.size must be a non-negative integer`);
  }
  checkStringArray(v.urls, `${where}.urls`);
  checkStringMap(v.annotations, `${where}.annotations`);
  if (v.data !== undefined && typeof v.data !== "string") fail(`${where}.data must be base64 text`);
  if (v.artifactType !== undefined && typeof v.artifactType !== "string") {
    fail(`${where}.artifactType must be a string`);
  }
  if (v.platform !== undefined) checkPlatform(v.platform, `${where}.platform`);
}

function checkCommon(doc: Json): void {
  if (doc.schemaVersion !== 2) fail("schemaVersion must be 2");
  if (doc.mediaType !== undefined && typeof doc.mediaType !== "string") fail("mediaType must be a string");
  if (doc.artifactType !== undefined && typeof doc.artifactType !== "string") {
    fail("artifactType must be a string");
  }
  checkStringMap(doc.annotations, "annotations");
  if (doc.subject !== undefined) checkDescriptor(doc.subject, "subject");
}

function kindOf(
  doc: Json,
  contentType: string | undefined,
): { kind: "manifest" | "index"; mediaType: string } {
  const declared = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  if (declared !== undefined && contentType !== undefined && isManifestOrIndex(contentType)) {
    if (declared !== contentType) fail(`mediaType ${declared} does not match Content-Type ${contentType}`);
  }
  const mt =
    declared ?? (contentType !== undefined && isManifestOrIndex(contentType) ? contentType : undefined);
  if (mt !== undefined) {
    if (isManifestMediaType(mt)) return { kind: "manifest", mediaType: mt };
    if (isIndexMediaType(mt)) return { kind: "index", mediaType: mt };
    if (mt === MediaType.dockerManifestV1 || mt === MediaType.dockerManifestV1Signed) {
      throw new WharfError("manifest-invalid", "Docker image manifest schema 1 is not supported", {
        hint: "push the image with a current client, which writes schema 2 or OCI manifests",
      });
    }
    fail(`unsupported manifest media type ${mt}`);
  }
  if (Array.isArray(doc.manifests)) return { kind: "index", mediaType: MediaType.ociIndex };
  if (isObject(doc.config)) return { kind: "manifest", mediaType: MediaType.ociManifest };
  fail("neither an image manifest nor an image index");
}

function isManifestOrIndex(mt: string): boolean {
  return isManifestMediaType(mt) || isIndexMediaType(mt);
}

/**
 * Parses and validates an image manifest or index. `contentType` is the media type the document
 * was sent or stored with, used when the document does not declare one.
 */
export function parseManifestDocument(bytes: Uint8Array | string, contentType?: string): ManifestDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch {
    fail("not valid JSON");
  }
  if (!isObject(doc)) fail("not a JSON object");
  checkCommon(doc);
  const { kind, mediaType } = kindOf(doc, contentType);
  if (kind === "manifest") {
    checkDescriptor(doc.config, "config");
    if (!Array.isArray(doc.layers)) fail("layers must be an array");
    doc.layers.forEach((l, i) => {
      checkDescriptor(l, `layers[${i}]`);
    });
    return { kind, mediaType, manifest: doc as unknown as Manifest };
  }
  if (!Array.isArray(doc.manifests)) fail("manifests must be an array");
  doc.manifests.forEach((m, i) => {
    checkDescriptor(m, `manifests[${i}]`);
  });
  return { kind, mediaType, index: doc as unknown as Index };
}

/** Parses an image config, checking the fields wharf relies on. */
export function parseImageConfig(bytes: Uint8Array | string): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new WharfError("corrupt", "image config is not valid JSON");
  }
  const bad = (what: string) => new WharfError("corrupt", `image config invalid: ${what}`);
  if (!isObject(doc)) throw bad("not a JSON object");
  if (typeof doc.architecture !== "string" || typeof doc.os !== "string") {
    throw bad('needs string "architecture" and "os"');
  }
  const rootfs = doc.rootfs;
  if (!isObject(rootfs) || rootfs.type !== "layers" || !Array.isArray(rootfs.diff_ids)) {
    throw bad('rootfs must be {"type":"layers","diff_ids":[...]}');
  }
  if (!rootfs.diff_ids.every((d) => isDigest(d))) throw bad("rootfs.diff_ids must be digests");
  if (doc.config !== undefined && doc.config !== null && !isObject(doc.config)) {
    throw bad("config must be an object");
  }
  if (doc.history !== undefined && !Array.isArray(doc.history)) throw bad("history must be an array");
  return doc as unknown as ImageConfig;
}
