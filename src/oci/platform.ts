import { WharfError } from "../errors/index.js";
import type { Descriptor, Platform } from "./types.js";

const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: "amd64" },
  "x86-64": { architecture: "amd64" },
  amd64: { architecture: "amd64" },
  aarch64: { architecture: "arm64" },
  arm64: { architecture: "arm64" },
  armhf: { architecture: "arm", variant: "v7" },
  armel: { architecture: "arm", variant: "v6" },
  arm: { architecture: "arm" },
  i386: { architecture: "386" },
  i686: { architecture: "386" },
  "386": { architecture: "386" },
};

/** Canonical architecture and variant: `x86_64` → amd64, `aarch64` → arm64, arm64's `v8` dropped. */
export function normalizePlatform(p: Platform): Platform {
  const alias = ARCH_ALIASES[p.architecture.toLowerCase()];
  const architecture = alias?.architecture ?? p.architecture.toLowerCase();
  let variant = p.variant ?? alias?.variant;
  if (architecture === "arm64" && variant === "v8") variant = undefined;
  if (architecture === "arm" && variant === undefined) variant = "v7";
  if (architecture === "amd64" && variant === "v1") variant = undefined;
  const out: Platform = { ...p, os: p.os.toLowerCase(), architecture };
  if (variant === undefined) delete out.variant;
  else out.variant = variant;
  return out;
}

/** The operating systems and architectures Go knows (containerd's `isKnownOS`/`isKnownArch`). */
const KNOWN_OS = new Set([
  "aix",
  "android",
  "darwin",
  "dragonfly",
  "freebsd",
  "hurd",
  "illumos",
  "ios",
  "js",
  "linux",
  "nacl",
  "netbsd",
  "openbsd",
  "plan9",
  "solaris",
  "wasip1",
  "windows",
  "zos",
]);
const KNOWN_ARCH = new Set([
  "386",
  "amd64",
  "amd64p32",
  "arm",
  "armbe",
  "arm64",
  "arm64be",
  "loong64",
  "mips",
  "mipsle",
  "mips64",
  "mips64le",
  "mips64p32",
  "mips64p32le",
  "ppc",
  "ppc64",
  "ppc64le",
  "riscv",
  "riscv64",
  "s390",
  "s390x",
  "sparc",
  "sparc64",
  "wasm",
]);

/**
 * Parses a `--platform` as containerd does: `os/arch[/variant]`, or one word that is an OS (this
 * machine's architecture) or an architecture (this machine's OS): `linux`, `arm64`.
 */
export function parsePlatform(s: string): Platform {
  const parts = s.split("/");
  const bad = () =>
    new WharfError(
      "invalid-argument",
      `${JSON.stringify(s)}: unknown operating system or architecture: invalid argument`,
      {
        hint: "a platform looks like os/arch[/variant], e.g. linux/amd64 or linux/arm/v7",
      },
    );
  if (s.includes("*")) {
    throw new WharfError(
      "invalid-argument",
      `${JSON.stringify(s)}: wildcards not yet supported: invalid argument`,
      {
        hint: "a platform looks like os/arch[/variant], e.g. linux/amd64 or linux/arm/v7",
      },
    );
  }
  // containerd's specifier rule, checked on each part before the count.
  const badPart = parts.find((x) => !/^[A-Za-z0-9_.-]+$/.test(x));
  if (badPart !== undefined) {
    throw new WharfError(
      "invalid-argument",
      `${JSON.stringify(badPart)} is an invalid component of ${JSON.stringify(s)}: platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument`,
      {
        hint: "a platform looks like os/arch[/variant], e.g. linux/amd64; give several with commas only to build",
      },
    );
  }
  if (parts.length > 3) {
    throw new WharfError(
      "invalid-argument",
      `${JSON.stringify(s)}: cannot parse platform specifier: invalid argument`,
      {
        hint: "a platform looks like os/arch[/variant], e.g. linux/amd64 or linux/arm/v7",
      },
    );
  }
  if (parts.length === 1) {
    const word = (parts[0] as string).toLowerCase();
    const host = hostPlatform();
    if (KNOWN_OS.has(word)) return { ...host, os: word };
    const arch = normalizePlatform({ os: host.os, architecture: word });
    if (KNOWN_ARCH.has(arch.architecture)) return arch;
    throw bad();
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform(variant === undefined ? { os, architecture } : { os, architecture, variant });
}

/**
 * `--platform a,b` (and the flag repeated): each platform parsed as containerd parses it, in the
 * order given, duplicates dropped (buildx's `platformutil.Parse` and `Dedupe`).
 */
export function splitPlatforms(specs: readonly string[]): Platform[] {
  const out: Platform[] = [];
  for (const spec of specs.flatMap((s) => s.split(","))) {
    const word = spec.trim();
    if (word === "") continue;
    const p = parsePlatform(word);
    if (!out.some((q) => formatPlatform(q) === formatPlatform(p))) out.push(p);
  }
  return out;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== "").join("/");
}

/** The platform of this machine. */
export function hostPlatform(): Platform {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "ia32" ? "386" : process.arch;
  return normalizePlatform({
    os: process.platform === "win32" ? "windows" : process.platform,
    architecture: arch,
  });
}

const ARM_VARIANTS = ["v5", "v6", "v7", "v8"];

/**
 * Ranks how well `have` serves `want`: undefined when it cannot run there, 0 for an exact match,
 * higher for older-but-compatible arm variants (a v7 host runs v6 and v5 images).
 */
export function platformScore(want: Platform, have: Platform): number | undefined {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return undefined;
  if ((w.variant ?? "") === (h.variant ?? "")) return 0;
  if (w.architecture === "arm" && w.variant !== undefined && h.variant !== undefined) {
    const wi = ARM_VARIANTS.indexOf(w.variant);
    const hi = ARM_VARIANTS.indexOf(h.variant);
    if (wi >= 0 && hi >= 0 && hi < wi) return wi - hi;
  }
  return undefined;
}

export function matchesPlatform(want: Platform, have: Platform): boolean {
  return platformScore(want, have) !== undefined;
}

/** Picks the best manifest for `want` from an index's descriptors; undefined when none fits. */
export function selectPlatform(manifests: readonly Descriptor[], want: Platform): Descriptor | undefined {
  let best: { d: Descriptor; score: number } | undefined;
  for (const d of manifests) {
    if (d.platform === undefined) continue;
    const score = platformScore(want, d.platform);
    if (score !== undefined && (best === undefined || score < best.score)) best = { d, score };
  }
  return best?.d;
}
