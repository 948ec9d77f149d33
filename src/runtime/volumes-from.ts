/**
 * `--volumes-from CONTAINER[:ro|rw]` as Docker's daemon resolves it when a container is made
 * (`registerMountPoints`): every bind and volume of each named container (not its tmpfs mounts),
 * read-only when the donor's mount was or `:ro` says so (`:rw` never makes a read-only mount
 * writable); a later donor's mount on the same path wins, and the container's own `-v`/`--mount`
 * win over all. A copied volume is shared, never the new container's own anonymous volume (`rm -v`
 * and `--rm` leave it to its donor); `from` names the donor.
 */
import { join } from "node:path";
import { nodeCrypto } from "../digest/index.js";
import { resolveId } from "./catalog.js";
import { containerDir, noSuchContainer, readRecordRaw } from "./store.js";
import type { MountSpec, RuntimeContext } from "./types.js";

export async function withVolumesFrom(
  ctx: RuntimeContext,
  specs: readonly string[],
  own: readonly MountSpec[],
): Promise<MountSpec[]> {
  const byDest = new Map<string, MountSpec>();
  for (const spec of specs) {
    const colon = spec.lastIndexOf(":");
    const mode = colon > 0 ? spec.slice(colon + 1) : "";
    const ref = mode === "ro" || mode === "rw" ? spec.slice(0, colon) : spec;
    const id = await resolveId(ctx, ref);
    const donor = await readRecordRaw(ctx, id);
    if (!donor) throw noSuchContainer(ref);
    for (const m of donor.options.mounts ?? []) {
      if (m.type === "tmpfs") continue;
      const readOnly = m.readOnly || mode === "ro";
      // A volume of a container made before volumes had names lives in the donor's directory.
      const legacy = m.type === "volume" && m.source === "";
      const source = legacy
        ? join(
            containerDir(ctx, id),
            "volumes",
            nodeCrypto().createHash("sha256").update(m.destination).digest("hex"),
          )
        : m.source;
      const { anonymous: _a, createSource: _c, ...rest } = m;
      byDest.set(m.destination, {
        ...rest,
        ...(legacy ? { type: "bind" as const } : {}),
        source,
        readOnly,
        // Filled already: no copy-up from the new container's image.
        ...(m.type === "volume" && !legacy
          ? { options: [...(m.options ?? []).filter((o) => o !== "nocopy"), "nocopy"] }
          : {}),
        from: id,
      });
    }
  }
  const taken = new Set(own.map((m) => m.destination));
  return [...[...byDest.values()].filter((m) => !taken.has(m.destination)), ...own];
}
