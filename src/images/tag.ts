import { WharfError } from "../errors/index.js";
import { familiarString, formatReference, parseReference, withDefaultTag } from "../reference/index.js";
import { entriesOf, normalizeName, removeName, setName, targetOf } from "./entries.js";
import type { Images } from "./images.js";
import { resolveIn } from "./resolve.js";

/**
 * `docker tag SOURCE TARGET`: points the name `target` (`latest` by default) at the image `source`
 * names (a reference or an ID). A name that pointed at another image moves; that image stays as a
 * dangling one when nothing else names it. Returns the full reference now recorded.
 */
export async function tagImage(images: Images, source: string, target: string): Promise<string> {
  const ref = parseReference(target);
  if (ref.digest !== undefined) {
    throw new WharfError("invalid-argument", "refusing to create a tag with a digest reference", {
      hint: "give the target as NAME[:TAG]",
    });
  }
  const name = formatReference(withDefaultTag(ref));
  const now = new Date().toISOString();
  await images.records.update((descs) => {
    const r = resolveIn(entriesOf(descs), source);
    const from = r.entry ?? r.image.entries[0];
    if (!from) throw new WharfError("internal", `image ${r.image.id} has no entry`);
    setName(descs, {
      name,
      target: targetOf(from.desc),
      id: from.id,
      manifest: from.manifest,
      tagged: now,
      recorded: now,
    });
  });
  return name;
}

/**
 * Removes the name `name` (a tag or digest reference; `latest` by default) and nothing else: the
 * image stays, as a dangling one when nothing else names it. Fails when the name is unknown.
 */
export async function untagImage(images: Images, name: string): Promise<string> {
  const full = formatReference(normalizeName(name));
  await images.records.update((descs) => {
    if (!entriesOf(descs).some((e) => e.name === full)) {
      throw new WharfError("image-not-found", `No such image: ${familiarString(normalizeName(name))}`);
    }
    removeName(descs, full, { keepImage: true });
  });
  return full;
}
