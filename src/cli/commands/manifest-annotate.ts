/**
 * `manifest annotate LIST IMAGE` (`--os`, `--arch`, `--variant`, `--os-version`, `--os-features`):
 * changes the platform of one image of a local list, checked against the os/arch pairs Go knows
 * (the docker CLI's check and words).
 */
import { WharfError } from "../../errors/index.js";
import type { Platform } from "../../oci/index.js";
import { type Command, flag } from "../command.js";
import { platformJson, readList, refName, writeEntry } from "./manifest-lists.js";

/** Go's `GOOS/GOARCH` pairs (`go tool dist list`), as the docker CLI's `isValidOSArch` has them. */
const OS_ARCH: Record<string, string[]> = {
  aix: ["ppc64"],
  android: ["386", "amd64", "arm", "arm64"],
  darwin: ["amd64", "arm64"],
  dragonfly: ["amd64"],
  freebsd: ["386", "amd64", "arm", "arm64", "riscv64"],
  illumos: ["amd64"],
  ios: ["amd64", "arm64"],
  js: ["wasm"],
  linux: [
    "386",
    "amd64",
    "arm",
    "arm64",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "ppc64",
    "ppc64le",
    "riscv64",
    "s390x",
  ],
  netbsd: ["386", "amd64", "arm", "arm64"],
  openbsd: ["386", "amd64", "arm", "arm64", "mips64", "ppc64", "riscv64"],
  plan9: ["386", "amd64", "arm"],
  solaris: ["amd64"],
  wasip1: ["wasm"],
  windows: ["386", "amd64", "arm", "arm64"],
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
    const entry = readList(ctx.root, list)?.find((e) => e.Ref === image);
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
    const features = flag.strings(f, "os-features");
    if (features.length > 0) next["os.features"] = [...(next["os.features"] ?? []), ...features];
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
    writeEntry(ctx.root, list, {
      ...entry,
      Descriptor: { ...entry.Descriptor, platform: platformJson(next) },
    });
    return 0;
  },
};
