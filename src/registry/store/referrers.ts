import type { Digest } from "../../digest/index.js";
import type { Descriptor } from "../../oci/index.js";
import { layout } from "../layout.js";
import { deleteIfExists, listIfExists, readIfExists, type Store } from "./store.js";

/**
 * The referrers index: one small descriptor file per manifest whose `subject` is a digest, under
 * `_referrers/<subject>/`, written when the manifest is pushed. Listing reads that directory only.
 */
export async function addReferrer(
  store: Store,
  name: string,
  subject: Digest,
  desc: Descriptor,
): Promise<void> {
  await store.driver.putContent(
    layout.referrer(name, subject, desc.digest),
    Buffer.from(JSON.stringify(desc)),
  );
}

export async function removeReferrer(store: Store, name: string, subject: Digest, d: Digest): Promise<void> {
  await deleteIfExists(store.driver, layout.referrer(name, subject, d));
}

/** The descriptors of the manifests that refer to `subject`, optionally of one artifact type. */
export async function listReferrers(
  store: Store,
  name: string,
  subject: Digest,
  artifactType?: string,
): Promise<Descriptor[]> {
  const out: Descriptor[] = [];
  for (const p of (await listIfExists(store.driver, layout.referrers(name, subject))).sort()) {
    const raw = await readIfExists(store.driver, p);
    if (!raw) continue;
    let desc: Descriptor;
    try {
      desc = JSON.parse(raw.toString()) as Descriptor;
    } catch {
      continue;
    }
    if (artifactType === undefined || desc.artifactType === artifactType) out.push(desc);
  }
  return out;
}
