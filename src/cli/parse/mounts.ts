/**
 * `-v`, `--mount` and `--tmpfs` values as Docker's CLI reads them, into the runtime's `MountSpec`s
 * (the runtime checks what it is given: duplicates, sources).
 */
import { isAbsolute, normalize, resolve } from "node:path";
import { WharfError } from "../../errors/index.js";
import type { MountSpec } from "../../runtime/index.js";

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const PROPAGATION = new Set(["private", "rprivate", "shared", "rshared", "slave", "rslave"]);

function bad(message: string): WharfError {
  return new WharfError("invalid-argument", message);
}

function containerPath(p: string, spec: string): string {
  if (!isAbsolute(p)) throw bad(`invalid mount config: mount path must be absolute: ${spec}`);
  const n = normalize(p);
  if (n === "/") throw bad(`invalid specification: destination can't be '/' in '${spec}'`);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

/**
 * One `-v` value: `/ctr` (an anonymous volume), `/host:/ctr[:opts]` (a bind mount) or
 * `name:/ctr[:opts]` (a named volume); options `ro`, `rw`, a propagation mode, and `z`/`Z`
 * (SELinux labels, accepted and ignored).
 */
export function parseVolumeFlag(spec: string, cwd = process.cwd()): MountSpec {
  const parts = spec.split(":");
  if (parts.length === 1) {
    return {
      type: "volume",
      source: "",
      destination: containerPath(spec, spec),
      readOnly: false,
      anonymous: true,
    };
  }
  if (parts.length > 3) throw bad(`invalid volume specification: '${spec}'`);
  const [src = "", dst = "", opts = ""] = parts;
  if (src === "") throw bad(`invalid volume specification: '${spec}'`);
  let readOnly = false;
  const options: string[] = [];
  for (const o of opts.split(",").filter(Boolean)) {
    if (o === "ro") readOnly = true;
    else if (o === "rw") readOnly = false;
    else if (PROPAGATION.has(o)) options.push(o);
    else if (o === "nocopy") options.push(o);
    else if (o !== "z" && o !== "Z") throw bad(`invalid mode: ${o}`);
  }
  const destination = containerPath(dst, spec);
  if (src.startsWith("/") || src.startsWith(".")) {
    return { type: "bind", source: resolve(cwd, src), destination, readOnly, options, createSource: true };
  }
  if (!VOLUME_NAME.test(src)) {
    throw bad(`create ${src}: "${src}" includes invalid characters for a local volume name`);
  }
  return { type: "volume", source: src, destination, readOnly, ...(options.length > 0 ? { options } : {}) };
}

/**
 * `image-subpath`: a relative path inside the image that stays inside it (Docker's
 * `filepath.IsLocal`), normalised; the runtime checks that it is a directory of the image.
 */
function imageSubpath(v: string): string {
  const n = normalize(v);
  if (v === "" || isAbsolute(v) || n === ".." || n.startsWith("../")) {
    throw bad('invalid mount config for type "image": subpath must be a relative path within the image');
  }
  return n.endsWith("/") ? n.slice(0, -1) : n;
}

/**
 * `--mount type=image,source=IMAGE,target=PATH[,image-subpath=DIR][,readonly]`: always read-only
 * (`readonly=false` is refused); the image is resolved when the container is made.
 */
function imageMount(
  source: string,
  destination: string,
  readOnly: boolean | undefined,
  subpath: string | undefined,
  extra: string[],
): MountSpec {
  const refuse = (why: string) => bad(`invalid mount config for type "image": ${why}`);
  if (extra[0]) throw refuse(`field ${extra[0]} must not be specified`);
  if (source === "") throw refuse("field Source must not be empty");
  if (readOnly === false) throw refuse("must be read-only");
  const sub = subpath === undefined ? undefined : imageSubpath(subpath);
  return {
    type: "image",
    source,
    destination,
    readOnly: true,
    ...(sub && sub !== "." ? { imageSubpath: sub } : {}),
  };
}

/** One `--mount type=bind|volume|tmpfs|image,source=…,target=…[,readonly][,tmpfs-size=…]` value. */
export function parseMountFlag(spec: string, cwd = process.cwd()): MountSpec {
  let type = "volume";
  let source = "";
  let target = "";
  let readOnly = false;
  let readOnlyGiven: boolean | undefined;
  let subpath: string | undefined;
  const options: string[] = [];
  // The API's option groups the fields fill (an image mount takes none of them).
  const groups = new Set<string>();
  const volumeOptions: Record<string, string> = {};
  for (const field of spec.split(",")) {
    const eq = field.indexOf("=");
    const k = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? undefined : field.slice(eq + 1);
    switch (k) {
      case "type":
        type = v ?? "";
        break;
      case "source":
      case "src":
        source = v ?? "";
        break;
      case "target":
      case "destination":
      case "dst":
        target = v ?? "";
        break;
      case "readonly":
      case "ro":
        readOnly = v === undefined || v === "true" || v === "1";
        readOnlyGiven = readOnly;
        break;
      case "bind-propagation":
        if (!v || !PROPAGATION.has(v)) throw bad(`invalid bind-propagation: ${v}`);
        options.push(v);
        groups.add("BindOptions");
        break;
      case "tmpfs-size":
        options.push(`size=${v}`);
        groups.add("TmpfsOptions");
        break;
      case "tmpfs-mode":
        options.push(`mode=${v}`);
        groups.add("TmpfsOptions");
        break;
      case "volume-nocopy":
        if (v === undefined || v === "true" || v === "1") options.push("nocopy");
        groups.add("VolumeOptions");
        break;
      case "image-subpath":
        subpath = v ?? "";
        break;
      case "volume-opt": {
        const kv = v ?? "";
        const i = kv.indexOf("=");
        volumeOptions[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? "" : kv.slice(i + 1);
        break;
      }
      case "consistency":
        break;
      default:
        throw bad(
          `invalid argument "${spec}" for "--mount" flag: invalid field '${k}' must be a key=value pair`,
        );
    }
  }
  if (target === "") throw bad(`invalid argument "${spec}" for "--mount" flag: target is required`);
  const destination = containerPath(target, spec);
  const hasVolumeOptions = Object.keys(volumeOptions).length > 0;
  if (type === "image") {
    if (hasVolumeOptions) groups.add("VolumeOptions");
    return imageMount(source, destination, readOnlyGiven, subpath, [...groups]);
  }
  if (subpath !== undefined) {
    throw bad(`invalid mount config for type "${type}": field ImageOptions must not be specified`);
  }
  if (hasVolumeOptions && type !== "volume") {
    throw bad(`invalid mount config for type "${type}": field VolumeOptions must not be specified`);
  }
  if (type === "bind") {
    if (source === "") throw bad('invalid mount config for type "bind": field Source must not be empty');
    return { type, source: resolve(cwd, source), destination, readOnly, options };
  }
  if (type === "tmpfs") {
    if (source !== "") throw bad('invalid mount config for type "tmpfs": field Source must be empty');
    return { type, source: "", destination, readOnly, options };
  }
  if (type !== "volume") throw bad(`invalid mount type: ${JSON.stringify(type)}`);
  const opts = {
    ...(options.length > 0 ? { options } : {}),
    ...(hasVolumeOptions ? { volumeOptions } : {}),
  };
  if (source === "") return { type, source: "", destination, readOnly, anonymous: true, ...opts };
  if (!VOLUME_NAME.test(source)) throw bad(`invalid volume name: ${source}`);
  return { type, source, destination, readOnly, ...opts };
}

/** `HEAD[<sep>a,b,...]`: what stands before the first `sep`, and the non-empty comma-separated parts after it. */
export function headAndList(spec: string, sep: string): [string, string[]] {
  const i = spec.indexOf(sep);
  if (i < 0) return [spec, []];
  return [
    spec.slice(0, i),
    spec
      .slice(i + 1)
      .split(",")
      .filter(Boolean),
  ];
}

/** One `--tmpfs /path[:opts]` value. */
export function parseTmpfsFlag(spec: string): MountSpec {
  const [dst, opts] = headAndList(spec, ":");
  const readOnly = opts.includes("ro");
  return {
    type: "tmpfs",
    source: "",
    destination: containerPath(dst, spec),
    readOnly,
    options: opts.filter((o) => o !== "ro" && o !== "rw"),
  };
}
