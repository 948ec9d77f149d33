import { constants } from "node:fs";
import { open } from "node:fs/promises";

/**
 * Writes a regular file that must not exist yet at `path` from `body`: opened with O_EXCL and
 * O_NOFOLLOW (a symlink or file planted there fails the open rather than being written through),
 * mode 0600 while the content goes in; then its owner (when given), mode and modification time.
 * The layer applier and docker cp's extraction both write files this way.
 */
export async function writeNewFile(
  path: string,
  body: AsyncIterable<unknown>,
  o: { owner?: { uid: number; gid: number }; mode: number; mtime: Date },
): Promise<void> {
  const fh = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    for await (const chunk of body) await fh.write(chunk as Uint8Array);
    if (o.owner) await fh.chown(o.owner.uid, o.owner.gid);
    await fh.chmod(o.mode);
    await fh.utimes(o.mtime, o.mtime);
  } finally {
    await fh.close();
  }
}
