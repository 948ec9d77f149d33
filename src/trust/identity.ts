import { isWharfError } from "../errors/index.js";
import { parseReference, type Reference } from "../reference/index.js";
import type { Identity } from "./policy.js";

const repo = (r: Reference) => `${r.domain}/${r.path}`;

function full(r: Reference): string {
  return `${repo(r)}${r.tag !== undefined ? `:${r.tag}` : ""}${r.digest !== undefined ? `@${r.digest}` : ""}`;
}

function parse(s: string): Reference | undefined {
  try {
    return parseReference(s);
  } catch (e) {
    if (isWharfError(e, "invalid-reference")) return undefined;
    throw e;
  }
}

/** matchExact: both name the same tag (a digest reference matches only the identical digest reference). */
function exact(image: Reference, signed: Reference): boolean {
  if (image.tag === undefined && image.digest === undefined) return false;
  return full(image) === full(signed);
}

function repoDigestOrExact(image: Reference, signed: Reference): boolean {
  return image.digest !== undefined && image.tag === undefined
    ? repo(image) === repo(signed)
    : exact(image, signed);
}

/**
 * `remapIdentity`: when the image's name starts with `prefix` (on a path-component boundary), that
 * prefix is replaced with `signedPrefix` before matchRepoDigestOrExact applies.
 */
function remap(image: Reference, prefix: string, signedPrefix: string): Reference {
  const name = full(image);
  const p = prefix.replace(/\/+$/, "");
  if (name !== p && !name.startsWith(`${p}/`) && !name.startsWith(`${p}:`) && !name.startsWith(`${p}@`))
    return image;
  return parse(signedPrefix.replace(/\/+$/, "") + name.slice(p.length)) ?? image;
}

/**
 * Whether a signature claiming `signedReference` is acceptable for `image` under `identity`
 * (containers-policy.json(5), "signedIdentity"). `image` is the reference being pulled.
 */
export function identityMatches(identity: Identity, image: Reference, signedReference: string): boolean {
  const signed = parse(signedReference);
  if (signed === undefined) return false;
  switch (identity.type) {
    case "matchExact":
      return exact(image, signed);
    case "matchRepoDigestOrExact":
      return repoDigestOrExact(image, signed);
    case "matchRepository":
      return repo(image) === repo(signed);
    case "exactReference": {
      const want = parse(identity.dockerReference);
      return want !== undefined && full(want) === full(signed);
    }
    case "exactRepository": {
      const want = parse(identity.dockerRepository);
      return want !== undefined && repo(want) === repo(signed);
    }
    case "remapIdentity":
      return repoDigestOrExact(remap(image, identity.prefix, identity.signedPrefix), signed);
  }
}
