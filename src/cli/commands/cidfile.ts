/**
 * `--cidfile FILE` as Docker's CLI keeps it: the file is made (exclusively: an existing one is
 * refused, so that two containers never share one) before anything else, the new container's ID is
 * written to it once the container exists, and it is removed again when the container could not
 * be made. Loaded only when the flag is given.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { errnoCode, WharfError } from "../../errors/index.js";

export interface CidFile {
  write(id: string): void;
  /** Removes the file unless an ID was written to it. */
  close(): void;
}

export function claimCidFile(path: string): CidFile {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (e) {
    if (errnoCode(e) === "EEXIST") {
      throw new WharfError(
        "invalid-argument",
        `Container ID file found, make sure the other container isn't running or delete ${path}`,
        { hint: `remove ${path} (rm ${path}) or give --cidfile another path` },
      );
    }
    throw new WharfError(
      "invalid-argument",
      `failed to create the container ID file: ${(e as Error).message}`,
      {
        cause: e,
        hint: "give --cidfile a path in a directory that exists and is writable",
      },
    );
  }
  let written = false;
  return {
    write(id) {
      writeSync(fd, id);
      written = true;
    },
    close() {
      closeSync(fd);
      if (!written) rmSync(path, { force: true });
    },
  };
}
