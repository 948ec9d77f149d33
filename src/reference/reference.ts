import { type Digest, parseDigest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  IDENTIFIER,
  isValidDomain,
  isValidPath,
  isValidTag,
  LEGACY_DEFAULT_DOMAIN,
  NAME_MAX,
  OFFICIAL_PREFIX,
} from "./grammar.js";

/** A normalised image reference: `domain/path[:tag][@digest]`. */
export interface Reference {
  /** Registry host with optional port: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly domain: string;
  /** Repository path inside the registry: `library/nginx`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

const FORM = "a reference looks like [registry[:port]/]name[:tag][@sha256:<hex>], in lower case";

function invalid(message: string, hint?: string): WharfError {
  return new WharfError("invalid-reference", message, { hint: hint ?? FORM });
}

/** Docker's plain `invalid reference format`; what is wrong is said in the hint. */
function badFormat(what: string): WharfError {
  return invalid("invalid reference format", `${what}; ${FORM}`);
}

/**
 * Splits `name` into domain and path as Docker does: the first component is a registry when it
 * contains a dot or a colon, is `localhost`, or has upper-case letters; otherwise the registry is
 * Docker Hub and single-component names live under `library/`.
 */
function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf("/");
  const first = i === -1 ? "" : name.slice(0, i);
  let domain: string;
  let path: string;
  if (
    i === -1 ||
    (!first.includes(".") && !first.includes(":") && first !== "localhost" && first.toLowerCase() === first)
  ) {
    domain = DEFAULT_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = OFFICIAL_PREFIX + path;
  return { domain, path };
}

/** Parses a reference the way `docker pull` does, normalising it (`nginx` → `docker.io/library/nginx`). */
export function parseReference(input: string): Reference {
  const s = input.trim() === input ? input : "";
  if (s === "") throw invalid("invalid reference format: repository name must have at least one component");
  if (IDENTIFIER.test(s)) {
    throw invalid(
      `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
      "use the image ID without a name, or give the repository a name",
    );
  }
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      digest = parseDigest(d);
    } catch {
      throw badFormat(`invalid digest ${JSON.stringify(d)}`);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag.length > 128) throw badFormat("the tag is longer than 128 characters");
    if (!isValidTag(tag)) throw badFormat(`invalid tag ${JSON.stringify(tag)}`);
  }
  if (rest.length > NAME_MAX) {
    throw invalid(`repository name must not be more than ${NAME_MAX} characters`);
  }
  const { domain, path } = splitDomain(rest);
  if (!isValidDomain(domain)) {
    throw badFormat(`invalid registry host ${JSON.stringify(domain)}`);
  }
  if (path.toLowerCase() !== path) {
    throw invalid(`invalid reference format: repository name (${path}) must be lowercase`);
  }
  if (!isValidPath(path)) {
    throw badFormat(`invalid repository name ${JSON.stringify(path)}`);
  }
  if (domain.length + 1 + path.length > NAME_MAX) {
    throw invalid(`repository name must not be more than ${NAME_MAX} characters`);
  }
  return { domain, path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** True when `input` parses as a reference. */
export function isReference(input: string): boolean {
  try {
    parseReference(input);
    return true;
  } catch {
    return false;
  }
}

/** Adds the `latest` tag when a reference has neither tag nor digest. */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** `domain/path`: the fully qualified repository name. */
export function repositoryName(ref: Pick<Reference, "domain" | "path">): string {
  return `${ref.domain}/${ref.path}`;
}

function suffix(ref: Reference): string {
  return `${ref.tag === undefined ? "" : `:${ref.tag}`}${ref.digest === undefined ? "" : `@${ref.digest}`}`;
}

/** The full string: `docker.io/library/nginx:latest`. */
export function formatReference(ref: Reference): string {
  return repositoryName(ref) + suffix(ref);
}

/** The short repository name a Docker user sees: `nginx`, `user/app`, `localhost:5000/app`. */
export function familiarName(ref: Pick<Reference, "domain" | "path">): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  const rest = ref.path.slice(OFFICIAL_PREFIX.length);
  if (ref.path.startsWith(OFFICIAL_PREFIX) && !rest.includes("/")) return rest;
  return ref.path;
}

/** The short reference string: `nginx:latest`, `localhost:5000/app@sha256:...`. */
export function familiarString(ref: Reference): string {
  return familiarName(ref) + suffix(ref);
}
