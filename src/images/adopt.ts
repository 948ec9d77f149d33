import type { ContentStore } from "../content/index.js";
import { isDigest } from "../digest/index.js";
import { type Descriptor, isManifestMediaType } from "../oci/index.js";
import { imageGraph, requireContent } from "./documents.js";
import { ANNOTATION, dropDangling, parseName, REF_NAME } from "./entries.js";
import type { RecordStore } from "./records.js";

/** An entry another tool wrote (no image ID) naming an image manifest by a full wharf reference. */
function foreign(d: Descriptor): boolean {
  const a = d.annotations ?? {};
  return (
    !isDigest(a[ANNOTATION.id]) && isManifestMediaType(d.mediaType) && parseName(a[REF_NAME]) !== undefined
  );
}

/**
 * Makes wharf's the `index.json` entries other tools put in the store (`skopeo copy ...
 * oci:<root>/store:registry.example.test/app:1`): an entry whose `ref.name` is a full reference
 * (`registry/repo:tag`, as wharf writes it) and whose manifest, config and layers are all stored gets
 * wharf's image ID annotation, so that it is listed, pushed and run like a pulled image. Names in
 * another form (`app`, `1.0`), indexes and incomplete images are left alone. Entries of images that
 * such a tool untagged (it removes `ref.name` from the entry it replaces) keep only a dangling entry
 * when nothing else names them, as `setName` does.
 */
export async function adoptForeignEntries(content: ContentStore, records: RecordStore): Promise<void> {
  if (!(await records.read()).some(foreign)) return;
  const recorded = new Date().toISOString();
  await records.update(async (descs) => {
    for (const [i, d] of descs.entries()) {
      if (!foreign(d)) continue;
      let id: string;
      try {
        const { manifest, digests } = await imageGraph(content, d);
        await requireContent(content, digests);
        id = manifest.config.digest;
      } catch {
        continue;
      }
      descs[i] = {
        ...d,
        annotations: { ...d.annotations, [ANNOTATION.id]: id, [ANNOTATION.recorded]: recorded },
      };
    }
    const ids = new Set(descs.map((d) => d.annotations?.[ANNOTATION.id]).filter((x) => x !== undefined));
    for (const id of ids) dropDangling(descs, id);
  });
}
