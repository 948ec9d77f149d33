import { WharfError } from "../errors/index.js";

const REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * Checks an ingest ref: it names a file under the ingest directory, so it is a plain file name
 * (letters, digits, `.`, `_`, `-`; at most 200 characters) that does not end in `.lock`.
 */
export function checkIngestRef(ref: string): void {
  if (!REF.test(ref) || ref.endsWith(".lock")) {
    throw new WharfError("invalid-argument", `invalid ingest ref ${JSON.stringify(ref)}`, {
      hint: "an ingest ref is a file name: letters, digits, '.', '_' and '-', not ending in .lock",
    });
  }
}
