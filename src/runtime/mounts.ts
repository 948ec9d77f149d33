import { isAbsolute } from "node:path";
import { WharfError } from "../errors/index.js";
import type { MountSpec } from "./types.js";

/** A named volume's name, as Docker's local driver takes it (it names a directory under the root). */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * Checks the mounts a container is made with, whoever parsed them (the CLI's `-v`/`--mount`/`--tmpfs`
 * parsers are in cli/parse): absolute destinations, one mount per destination (as Docker), and
 * named volumes whose names cannot lead out of `<root>/volumes`.
 */
export function checkMounts(mounts: readonly MountSpec[]): void {
  const seen = new Set<string>();
  for (const m of mounts) {
    if (!isAbsolute(m.destination)) {
      throw new WharfError(
        "invalid-argument",
        `invalid mount config: mount path must be absolute: ${m.destination}`,
      );
    }
    if (seen.has(m.destination)) {
      throw new WharfError("invalid-argument", `Duplicate mount point: ${m.destination}`);
    }
    seen.add(m.destination);
    if (m.type === "image" && !m.readOnly) {
      throw new WharfError("invalid-argument", 'invalid mount config for type "image": must be read-only');
    }
    if (m.type === "image" && !m.image) {
      throw new WharfError(
        "invalid-argument",
        `invalid mount config for type "image": ${m.source} not resolved`,
      );
    }
    if (m.type === "volume" && !m.anonymous && !VOLUME_NAME.test(m.source)) {
      throw new WharfError("invalid-argument", `invalid volume name: ${m.source}`);
    }
  }
}
