/**
 * Image events, as Docker's daemon logs them (`LogImageEvent`), recorded by the image verbs after
 * the operation succeeded (a failed one records nothing). The Actor's attributes are the image's
 * config labels, then `name`. Docker's IDs and names per action (its classic image store, whose
 * image ID is the config digest, as wharf's):
 *
 * - `pull`, `push`: ID the familiar reference (`busybox:latest`), `name` the familiar name;
 * - `tag`: ID the image ID, `name` the new familiar reference;
 * - `untag`, `delete` (`rmi`, `image prune`), `load`, `save`, `import`: ID and `name` the image ID
 *   (a `delete` has no labels: the image is gone when it is logged);
 * - `image prune` ends with a `prune` event (no ID, `reclaimed=<bytes>`).
 */
import type { Digest } from "../../digest/index.js";
import type { DeleteRecord, Images } from "../../images/index.js";
import { readConfig, resolveImage } from "../../images/index.js";
import { familiarName, familiarString, parseReference, type Reference } from "../../reference/index.js";
import { appendEvent } from "../../runtime/index.js";
import type { Context } from "../context.js";

/** The image's config labels; none when it cannot be read (gone, or not an image here). */
export async function imageLabels(images: Images, id: Digest): Promise<Record<string, string>> {
  try {
    return (await readConfig(images.content, id)).config.config?.Labels ?? {};
  } catch {
    return {};
  }
}

/** The ID and labels of the image `name` names here (`byName`: by a reference, not an ID); undefined when none. */
export async function localImage(
  images: Images,
  name: string,
): Promise<{ id: Digest; labels: Record<string, string>; byName: boolean } | undefined> {
  try {
    const r = await resolveImage(images, name);
    const id = r.image.id;
    return { id, labels: await imageLabels(images, id), byName: r.by === "name" };
  } catch {
    return undefined;
  }
}

/** Records one image event: the labels first, then `name` (Docker's order: a label cannot hide it). */
export function imageEvent(
  ctx: Context,
  action: string,
  id: string,
  name: string,
  labels: Record<string, string> = {},
): void {
  appendEvent(
    { root: ctx.root },
    {
      Type: "image",
      Action: action,
      Actor: { ID: id, Attributes: { ...labels, ...(name ? { name } : {}) } },
    },
  );
}

/** `pull` and `push`: ID the familiar reference (a repository alone with `-a`), `name` its familiar name. */
export async function transferEvent(
  ctx: Context,
  images: Images,
  action: "pull" | "push",
  ref: Reference,
): Promise<void> {
  const id = familiarString(ref);
  imageEvent(ctx, action, id, familiarName(ref), (await localImage(images, id))?.labels ?? {});
}

/**
 * An `rmi` by name's report as Docker logs it: the name's `Untagged` line has its event, but not
 * the lines of the digest references of its repository that go with its last tag (Docker's
 * ImageDelete drops them without an event); the report's other lines are kept.
 */
export function loggedByName(report: readonly DeleteRecord[]): DeleteRecord[] {
  const first = report[0];
  if (!first || !("Untagged" in first)) return [...report];
  const repo = repositoryOf(first.Untagged);
  let i = 1;
  for (; i < report.length; i++) {
    const r = report[i] as DeleteRecord;
    if (!("Untagged" in r) || !r.Untagged.includes("@") || repositoryOf(r.Untagged) !== repo) break;
  }
  return [first, ...report.slice(i)];
}

function repositoryOf(familiar: string): string {
  try {
    return familiarName(parseReference(familiar));
  } catch {
    return familiar;
  }
}

/**
 * The events of an `rmi` or `image prune` report: its lines come as each image's `Untagged` ones
 * then its `Deleted` (the image's ID: `untag` and `delete` events with it). `imageOf` gives the ID
 * of an image whose names went but which stayed (no `Deleted` line); `labels` the labels read before.
 */
export function deleteEvents(
  ctx: Context,
  report: readonly DeleteRecord[],
  labels: ReadonlyMap<string, Record<string, string>>,
  imageOf?: string,
): void {
  let untagged = 0;
  for (const r of report) {
    if ("Untagged" in r) {
      untagged++;
      continue;
    }
    for (; untagged > 0; untagged--) imageEvent(ctx, "untag", r.Deleted, r.Deleted, labels.get(r.Deleted));
    imageEvent(ctx, "delete", r.Deleted, r.Deleted);
  }
  if (imageOf)
    for (; untagged > 0; untagged--) imageEvent(ctx, "untag", imageOf, imageOf, labels.get(imageOf));
}
