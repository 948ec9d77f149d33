/**
 * `manifest annotate LIST IMAGE` (`--os`, `--arch`, `--variant`, `--os-version`, `--os-features`):
 * changes the platform of one image of a local list, checked against the os/arch pairs the docker
 * CLI knows (its check and words).
 */
import { WharfError } from "../../errors/index.js";
import type { Platform } from "../../oci/index.js";
import { type Command, flag } from "../command.js";
import { manifestsDir, platformJson, readList, refName, writeEntry } from "./manifest-lists.js";

/**
 * The os/arch pairs the docker CLI's `manifest annotate` accepts (its own list, narrower than
 * `go tool dist list`: no windows/arm64, no linux/ppc64; each pair probed against docker 28's CLI).
 * The pair checked is the entry's after the flags are applied.
 */
const OS_ARCH: Record<string, string[]> = {
  darwin: ["386", "amd64", "arm", "arm64"],
  dragonfly: ["amd64"],
  freebsd: ["386", "amd64", "arm"],
  linux: ["386", "amd64", "arm", "arm64", "mips64", "mips64le", "ppc64le", "riscv64", "s390x"],
  netbsd: ["386", "amd64", "arm"],
  openbsd: ["386", "amd64", "arm"],
  plan9: ["386", "amd64"],
  solaris: ["amd64"],
  windows: ["386", "amd64"],
};

export const command: Command = {
  path: ["manifest", "annotate"],
  usage: "[OPTIONS] MANIFEST_LIST MANIFEST",
  description: "Add additional information to a local image manifest",
  flags: [
    { name: "arch", type: "string", description: "Set architecture" },
    { name: "os", type: "string", description: "Set operating system" },
    {
      name: "os-features",
      type: "strings",
      valueName: "strings",
      description: "Set operating system feature",
    },
    { name: "os-version", type: "string", description: "Set operating system version" },
    { name: "variant", type: "string", description: "Set architecture variant" },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, f) {
    const list = refName(f.args[0] as string).name;
    const image = refName(f.args[1] as string).name;
    const entry = readList(manifestsDir(ctx), list)?.find((e) => e.Ref === image);
    if (!entry) {
      throw new WharfError("manifest-unknown", `manifest for image ${image} does not exist in ${list}`, {
        hint: `add it first: wharf manifest create --amend ${list} ${image}`,
      });
    }
    const had = (entry.Descriptor.platform ?? {}) as Partial<Platform>;
    const os = flag.string(f, "os") ?? "";
    const arch = flag.string(f, "arch") ?? "";
    const next: Platform = {
      architecture: arch || (had.architecture ?? ""),
      os: os || (had.os ?? ""),
      ...(had.variant ? { variant: had.variant } : {}),
      ...(had["os.version"] ? { "os.version": had["os.version"] } : {}),
      ...(had["os.features"] ? { "os.features": had["os.features"] } : {}),
    };
    // A string slice as pflag reads it: each value a comma-separated list.
    const features = flag
      .strings(f, "os-features")
      .flatMap((v) => v.split(","))
      .filter((v) => v !== "");
    // Added to those it has, each once (the docker CLI's appendIfUnique).
    for (const feature of features) {
      const had = next["os.features"] ?? [];
      if (!had.includes(feature)) next["os.features"] = [...had, feature];
    }
    const variant = flag.string(f, "variant");
    if (variant) next.variant = variant;
    const osVersion = flag.string(f, "os-version");
    if (osVersion) next["os.version"] = osVersion;
    if (!OS_ARCH[next.os]?.includes(next.architecture)) {
      throw new WharfError(
        "invalid-argument",
        `manifest entry for image has unsupported os/arch combination: ${os}/${arch}`,
        {
          hint: "give an OS and an architecture Go knows, such as linux/arm64",
        },
      );
    }
    writeEntry(manifestsDir(ctx), list, {
      ...entry,
      Descriptor: { ...entry.Descriptor, platform: platformJson(next) },
    });
    return 0;
  },
};
