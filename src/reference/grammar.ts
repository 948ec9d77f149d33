/**
 * The Docker reference grammar, as documented by the distribution project:
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain '/'] path-component ['/' path-component]*
 *   domain           := host [':' port-number]
 *   host             := domain-name | '[' IPv6address ']'
 *   domain-name      := domain-component ['.' domain-component]*
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := /[_.]|__|[-]+/
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := algorithm ":" hex
 */
const alphaNumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = "\\[[a-fA-F0-9:]+\\]";
const host = `(?:${domainName}|${ipv6})`;

export const DOMAIN = new RegExp(`^${host}(?::[0-9]+)?$`);
export const PATH = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
export const TAG = /^[\w][\w.-]{0,127}$/;
export const IDENTIFIER = /^[a-f0-9]{64}$/;
export const SHORT_IDENTIFIER = /^[a-f0-9]{1,64}$/;

/** Repository names (domain plus path) are at most this long. */
export const NAME_MAX = 255;

export const DEFAULT_DOMAIN = "docker.io";
export const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
export const OFFICIAL_PREFIX = "library/";
export const DEFAULT_TAG = "latest";

export function isValidPath(path: string): boolean {
  return path.length > 0 && path.length <= NAME_MAX && PATH.test(path);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isValidDomain(domain: string): boolean {
  return DOMAIN.test(domain);
}
