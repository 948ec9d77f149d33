/** `oci-layout://` contexts: the value split as buildx splits it, the layout's index and documents read. */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type Digest, isDigest, nodeCrypto } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import type { Descriptor } from "../oci/index.js";

/** An `oci-layout://` context: the layout directory, and the tag or digest naming its image. */
export interface LayoutContext {
  name: string;
  dir: string;
  tag: string;
  digest?: string;
}

const REF_NAME = "org.opencontainers.image.ref.name";
/** Indexes, manifests and configs read whole are small; a larger one is refused, not buffered. */
const DOC_LIMIT = 4 << 20;

/** `oci-layout://PATH[:TAG][@DIGEST]` split as buildx splits it: `@` first, then the first `:`; tag default `latest`. */
export function splitLayoutValue(rest: string): { path: string; tag: string; digest?: string } {
  const at = rest.indexOf("@");
  const before = at < 0 ? rest : rest.slice(0, at);
  const colon = before.indexOf(":");
  const path = colon < 0 ? before : before.slice(0, colon);
  const tag = colon < 0 ? "latest" : before.slice(colon + 1);
  return { path, tag, ...(at < 0 ? {} : { digest: rest.slice(at + 1) }) };
}

export function unresolved(nc: LayoutContext, why: string): WharfError {
  return new WharfError(
    "not-found",
    `oci-layout reference for context ${nc.name} could not be resolved: ${why}`,
    {
      hint: "name an image of the layout's index.json by its tag (org.opencontainers.image.ref.name) or digest",
    },
  );
}

export const blobFile = (dir: string, d: Digest) => join(dir, "blobs", "sha256", d.slice("sha256:".length));

/** A document of the layout, read whole (it is small) and checked against its digest. */
export async function readDoc(nc: LayoutContext, d: Digest): Promise<Buffer> {
  const file = blobFile(nc.dir, d);
  const st = await stat(file).catch((e: unknown) => {
    if (errnoCode(e) === "ENOENT") throw unresolved(nc, `${d} is not in ${nc.dir}`);
    throw e;
  });
  if (st.size > DOC_LIMIT) throw unresolved(nc, `${d} is too large for a manifest or config`);
  const bytes = await readFile(file);
  if (`sha256:${nodeCrypto().createHash("sha256").update(bytes).digest("hex")}` !== d)
    throw new WharfError("corrupt", `${file} does not match its digest`, {
      hint: "the OCI layout is damaged: write it again",
    });
  return bytes;
}

/** The descriptor `nc` names: its digest, else the index entry of its tag, else the only one. */
export async function topDigest(nc: LayoutContext): Promise<Digest> {
  if (nc.digest !== undefined) {
    if (!isDigest(nc.digest)) throw unresolved(nc, `invalid digest ${nc.digest}`);
    return nc.digest;
  }
  let index: { manifests?: Descriptor[] };
  try {
    index = JSON.parse(await readFile(join(nc.dir, "index.json"), "utf8")) as typeof index;
  } catch (e) {
    throw unresolved(nc, `${join(nc.dir, "index.json")}: ${(e as Error).message}`);
  }
  const list = index.manifests ?? [];
  const byTag =
    list.find((m) => m.annotations?.[REF_NAME] === nc.tag) ?? (list.length === 1 ? list[0] : undefined);
  if (!byTag) throw unresolved(nc, `no image tagged ${nc.tag} (and not exactly one image)`);
  return byTag.digest;
}
