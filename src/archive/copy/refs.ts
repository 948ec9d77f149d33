import { WharfError } from "../../errors/index.js";
import { parseReference, type Reference } from "../../reference/index.js";

/** Where `image copy` reads or writes an image: skopeo's transport names, and wharf's store. */
export type ImageLocation =
  | { kind: "docker"; ref: Reference }
  | { kind: "oci"; dir: string; ref?: string }
  | { kind: "oci-archive"; file: string; ref?: string }
  | { kind: "docker-archive"; file: string; ref?: string }
  | { kind: "wharf"; ref: string };

const KINDS = ["docker", "oci", "oci-archive", "docker-archive", "wharf"] as const;

function usage(input: string, why: string): WharfError {
  return new WharfError("invalid-argument", `invalid image location ${JSON.stringify(input)}: ${why}`, {
    hint: "give docker://REGISTRY/REPO[:TAG], oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REF] or wharf:NAME[:TAG]",
  });
}

/** `PATH[:REF]` split at the first colon, as skopeo does; an empty REF is none. */
function pathAndRef(rest: string): { path: string; ref?: string } {
  const i = rest.indexOf(":");
  if (i === -1) return { path: rest };
  const ref = rest.slice(i + 1);
  return { path: rest.slice(0, i), ...(ref ? { ref } : {}) };
}

/**
 * Parses `TRANSPORT:DETAILS`: `docker://REF` (a registry), `oci:DIR[:REF]`, `oci-archive:FILE[:REF]`,
 * `docker-archive:FILE[:REF]`, `wharf:REF` (wharf's store under `--root`).
 */
export function parseLocation(input: string): ImageLocation {
  const colon = input.indexOf(":");
  const kind = input.slice(0, colon);
  if (colon === -1 || !(KINDS as readonly string[]).includes(kind)) {
    throw usage(input, `the transport must be one of ${KINDS.join(", ")}`);
  }
  const rest = input.slice(colon + 1);
  switch (kind) {
    case "docker": {
      if (!rest.startsWith("//")) throw usage(input, "docker: is followed by //REGISTRY/REPO[:TAG]");
      return { kind, ref: parseReference(rest.slice(2)) };
    }
    case "wharf":
      if (!rest) throw usage(input, "wharf: needs an image name");
      return { kind, ref: rest };
    default: {
      const { path, ref } = pathAndRef(rest);
      if (!path) throw usage(input, `${kind}: needs a path`);
      if (kind === "oci") return { kind, dir: path, ...(ref ? { ref } : {}) };
      return { kind: kind as "oci-archive" | "docker-archive", file: path, ...(ref ? { ref } : {}) };
    }
  }
}

/** The location with `tag` in place of its reference's tag (for `--sync`). */
export function withTag(loc: ImageLocation, tag: string): ImageLocation {
  switch (loc.kind) {
    case "docker":
      return { kind: "docker", ref: { domain: loc.ref.domain, path: loc.ref.path, tag } };
    case "wharf": {
      const r = parseReference(loc.ref);
      return { kind: "wharf", ref: `${r.domain}/${r.path}:${tag}` };
    }
    case "oci":
      return { ...loc, ref: tag };
    default:
      throw new WharfError("unsupported", `--sync does not write ${loc.kind}: locations`, {
        hint: "sync between registries (docker://), OCI layouts (oci:DIR) and wharf's store (wharf:REPO)",
      });
  }
}
