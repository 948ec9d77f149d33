/**
 * wharf's one builder as buildx's builder verbs show it (`buildx ls`, `inspect`, `use`, `create`):
 * `default`, driver `wharf`, always running (there is no daemon to boot), its platforms this
 * machine's and those binfmt_misc lets a build's RUN steps emulate (BuildKit lists its
 * emulators the same way). wharf builds any `--platform`'s FROM/COPY steps; RUN of a platform
 * not listed here fails with exec format error.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";
import { formatPlatform, hostPlatform } from "../../oci/index.js";
import { VERSION } from "../version.js";

export const BUILDER = { name: "default", driver: "wharf", endpoint: "default", status: "running" } as const;

/** What the BUILDKIT column shows: wharf's own builder and its version. */
export const BUILDER_VERSION = `wharf-v${VERSION}`;

/** QEMU's binfmt entry names and the platforms each emulates, as BuildKit's binfmt checks name them. */
const EMULATORS: Readonly<Record<string, string[]>> = {
  "qemu-x86_64": ["linux/amd64"],
  "qemu-i386": ["linux/386"],
  "qemu-aarch64": ["linux/arm64"],
  "qemu-arm": ["linux/arm/v7", "linux/arm/v6"],
  "qemu-riscv64": ["linux/riscv64"],
  "qemu-ppc64le": ["linux/ppc64le"],
  "qemu-s390x": ["linux/s390x"],
  "qemu-mips64el": ["linux/mips64le"],
  "qemu-mips64": ["linux/mips64"],
  "qemu-loongarch64": ["linux/loong64"],
};

/** This machine's platform, then those an enabled binfmt_misc entry emulates (`dir` for tests). */
export function builderPlatforms(dir = "/proc/sys/fs/binfmt_misc"): string[] {
  const out = [formatPlatform(hostPlatform())];
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const platforms = EMULATORS[name];
    if (!platforms) continue;
    let enabled = false;
    try {
      enabled = readFileSync(join(dir, name), "utf8").split("\n")[0] === "enabled";
    } catch {
      enabled = false;
    }
    if (enabled) for (const p of platforms) if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** A builder name other than wharf's one, refused as buildx refuses an unknown instance. */
export function checkBuilderName(name: string | undefined, message: (quoted: string) => string): void {
  if (name === undefined || name === BUILDER.name) return;
  throw new WharfError("not-found", message(JSON.stringify(name)), {
    hint: "wharf has one builder, default (wharf's own); buildx create and use of others are not supported",
  });
}
