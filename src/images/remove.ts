import { type Digest, shortHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import type { Descriptor } from "../oci/index.js";
import { familiarString, type Reference, repositoryName } from "../reference/index.js";
import { type Entry, entriesOf, removeImageEntries, removeName } from "./entries.js";
import { collectGarbage } from "./gc.js";
import type { Images } from "./images.js";
import { resolveIn } from "./resolve.js";

/** A container that uses an image, as the caller (the runtime) knows it. */
export interface ContainerUse {
  id: string;
  running: boolean;
}

/** Injected by the caller: the containers that use image `id` (none when containers do not exist). */
export type ContainersUsing = (id: Digest) => Promise<ContainerUse[]>;

/** One line of Docker's `rmi` / `image prune` report. */
export type DeleteRecord = { Untagged: string } | { Deleted: string };

export interface RemoveOptions {
  force?: boolean;
  /** Keep the image's blobs (collect them at the next prune); Docker's `--no-prune`. */
  noPrune?: boolean;
  containers?: ContainersUsing;
}

function named(descs: Descriptor[], id: Digest): (Entry & { ref: Reference; name: string })[] {
  return entriesOf(descs).filter(
    (e): e is Entry & { ref: Reference; name: string } => e.id === id && !!e.ref,
  );
}

/** Docker's rule: at most one tagged repository, and every digest reference's repository also tagged. */
function isSingleReference(refs: readonly Reference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const tagged = new Set(refs.filter((r) => r.tag !== undefined).map(repositoryName));
  const canonical = refs.filter((r) => r.digest !== undefined).map(repositoryName);
  return canonical.every((n) => tagged.has(n)) && tagged.size <= 1;
}

function conflict(id: Digest, hard: boolean, message: string): WharfError {
  return new WharfError(
    "conflict",
    `conflict: unable to delete ${shortHex(id)} (${hard ? "cannot be forced" : "must be forced"}) - ${message}`,
    { hint: hard ? "stop and remove the container first" : "use --force (-f) to delete it anyway" },
  );
}

/**
 * `docker rmi`: by name, untags (and, when the last tag of a repository goes, that repository's
 * digest references); the image itself is deleted once nothing names it. By ID, deletes the image
 * and all its names, unless it is named in several repositories (then only with `force`). Images
 * used by containers are kept (running: always; stopped: unless `force`). Returns Docker's report.
 */
export async function removeImage(
  images: Images,
  input: string,
  opts: RemoveOptions = {},
): Promise<DeleteRecord[]> {
  const force = opts.force ?? false;
  const out: DeleteRecord[] = [];
  const deleted = await images.records.update(async (descs) => {
    const r = resolveIn(entriesOf(descs), input);
    const id = r.image.id;
    const users = (await opts.containers?.(id)) ?? [];
    const running = users.find((u) => u.running);
    const stopped = users.find((u) => !u.running);
    const untag = (e: { name: string; ref: Reference }) => {
      removeName(descs, e.name, { keepImage: true });
      out.push({ Untagged: familiarString(e.ref) });
    };
    let quiet = false;
    if (r.by === "name" && r.entry?.ref && r.entry.name) {
      const entry = { name: r.entry.name, ref: r.entry.ref };
      if (!force && isSingleReference(named(descs, id).map((e) => e.ref)) && users[0]) {
        throw new WharfError(
          "conflict",
          `conflict: unable to remove repository reference ${JSON.stringify(input)} (must force) - container ${users[0].id.slice(0, 12)} is using its referenced image ${shortHex(id)}`,
          { hint: "remove the container first, or use --force (-f)" },
        );
      }
      untag(entry);
      const repo = repositoryName(entry.ref);
      const left = named(descs, id);
      if (
        entry.ref.tag !== undefined &&
        !left.some((e) => e.ref.tag !== undefined && repositoryName(e.ref) === repo)
      ) {
        for (const e of left) if (e.ref.digest !== undefined && repositoryName(e.ref) === repo) untag(e);
      }
      if (named(descs, id).length > 0) return false;
      quiet = true;
    } else if (isSingleReference(named(descs, id).map((e) => e.ref))) {
      if (running)
        throw conflict(id, true, `image is being used by running container ${running.id.slice(0, 12)}`);
      if (stopped && !force) {
        throw conflict(id, false, `image is being used by stopped container ${stopped.id.slice(0, 12)}`);
      }
      for (const e of named(descs, id)) untag(e);
    }
    let problem: WharfError | undefined;
    if (running)
      problem = conflict(id, true, `image is being used by running container ${running.id.slice(0, 12)}`);
    else if (!force && named(descs, id).length > 0) {
      problem = conflict(id, false, "image is referenced in multiple repositories");
    } else if (!force && stopped) {
      problem = conflict(id, false, `image is being used by stopped container ${stopped.id.slice(0, 12)}`);
    }
    if (problem) {
      // Untagging by name already happened; an image still used by a container stays (dangling).
      if (quiet) return false;
      throw problem;
    }
    for (const e of named(descs, id)) untag(e);
    removeImageEntries(descs, id);
    out.push({ Deleted: id });
    return true;
  });
  if (deleted && !opts.noPrune) await collectGarbage(images);
  return out;
}
