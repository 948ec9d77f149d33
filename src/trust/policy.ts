import { readFile } from "node:fs/promises";
import { WharfError } from "../errors/index.js";

/** `signedIdentity`: how a signature's claimed reference must relate to the image's. */
export type Identity =
  | { type: "matchExact" }
  | { type: "matchRepoDigestOrExact" }
  | { type: "matchRepository" }
  | { type: "exactReference"; dockerReference: string }
  | { type: "exactRepository"; dockerRepository: string }
  | { type: "remapIdentity"; prefix: string; signedPrefix: string };

/** A key named by a requirement: a file, or data inline (`keyData`, base64 in the JSON). */
export type KeySource = { path: string } | { data: Buffer; name: string };

export type Requirement =
  | { type: "insecureAcceptAnything" }
  | { type: "reject" }
  | { type: "signedBy"; keyType: "GPGKeys"; keys: KeySource[]; signedIdentity: Identity }
  | { type: "sigstoreSigned"; keys: KeySource[]; signedIdentity: Identity }
  /** A requirement wharf cannot check (keyless sigstore): it refuses the images it applies to. */
  | { type: "unsupported"; what: string };

/** containers-policy.json(5): the default requirements and per-transport scopes. */
export interface Policy {
  default: Requirement[];
  transports: Record<string, Record<string, Requirement[]>>;
  /** Where it was read from (for messages). */
  source: string;
}

/** The policy wharf applies without a policy file: accept anything, as before. */
export const ACCEPT_ANYTHING: Policy = {
  default: [{ type: "insecureAcceptAnything" }],
  transports: {},
  source: "the built-in default (no policy.json)",
};

type Json = Record<string, unknown>;

function bad(source: string, why: string): WharfError {
  return new WharfError("config-invalid", `invalid signature policy ${source}: ${why}`, {
    hint: "see containers-policy.json(5) for the format",
  });
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function onlyFields(o: Json, allowed: string[], where: string, source: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw bad(source, `unknown field ${JSON.stringify(k)} in ${where}`);
  }
}

function str(o: Json, key: string, where: string, source: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") throw bad(source, `${where} needs a non-empty string "${key}"`);
  return v;
}

function parseIdentity(v: unknown, source: string): Identity {
  if (v === undefined) return { type: "matchRepoDigestOrExact" };
  if (!isObject(v)) throw bad(source, "signedIdentity is not an object");
  const where = `signedIdentity ${JSON.stringify(v.type)}`;
  switch (v.type) {
    case "matchExact":
    case "matchRepoDigestOrExact":
    case "matchRepository":
      onlyFields(v, ["type"], where, source);
      return { type: v.type };
    case "exactReference":
      onlyFields(v, ["type", "dockerReference"], where, source);
      return { type: v.type, dockerReference: str(v, "dockerReference", where, source) };
    case "exactRepository":
      onlyFields(v, ["type", "dockerRepository"], where, source);
      return { type: v.type, dockerRepository: str(v, "dockerRepository", where, source) };
    case "remapIdentity":
      onlyFields(v, ["type", "prefix", "signedPrefix"], where, source);
      return {
        type: v.type,
        prefix: str(v, "prefix", where, source),
        signedPrefix: str(v, "signedPrefix", where, source),
      };
    default:
      throw bad(source, `unknown signedIdentity type ${JSON.stringify(v.type)}`);
  }
}

function parseKeys(
  o: Json,
  where: string,
  source: string,
  plural: { paths: string; datas?: string },
): KeySource[] {
  const given = ["keyPath", plural.paths, "keyData", ...(plural.datas ? [plural.datas] : [])].filter(
    (k) => o[k] !== undefined,
  );
  if (given.length !== 1) throw bad(source, `${where} needs exactly one of keyPath, keyPaths, keyData`);
  const key = given[0] as string;
  const list = (v: unknown): string[] => {
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "string" || x === "")) {
      throw bad(source, `${where}: ${key} must be a non-empty list of strings`);
    }
    return v as string[];
  };
  const decode = (b64: string): Buffer => {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw bad(source, `${where}: ${key} is not base64`);
    return Buffer.from(b64, "base64");
  };
  if (key === "keyPath") return [{ path: str(o, key, where, source) }];
  if (key === plural.paths) return list(o[key]).map((path) => ({ path }));
  if (key === "keyData") return [{ data: decode(str(o, key, where, source)), name: "keyData" }];
  return list(o[key]).map((d, i) => ({ data: decode(d), name: `${key}[${i}]` }));
}

function parseRequirement(v: unknown, source: string): Requirement {
  if (!isObject(v)) throw bad(source, "a requirement is not an object");
  const where = `requirement ${JSON.stringify(v.type)}`;
  switch (v.type) {
    case "insecureAcceptAnything":
    case "reject":
      onlyFields(v, ["type"], where, source);
      return { type: v.type };
    case "signedBy":
      onlyFields(v, ["type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity"], where, source);
      if (v.keyType !== "GPGKeys") {
        throw bad(source, `signedBy keyType ${JSON.stringify(v.keyType)} is not supported (only GPGKeys)`);
      }
      return {
        type: "signedBy",
        keyType: "GPGKeys",
        keys: parseKeys(v, where, source, { paths: "keyPaths" }),
        signedIdentity: parseIdentity(v.signedIdentity, source),
      };
    case "sigstoreSigned": {
      // Keyless verification (Fulcio certificates, Rekor, a PKI) is not supported: a policy may still
      // name it for other registries, so it refuses only the images its scope covers.
      for (const k of [
        "fulcio",
        "rekorPublicKeyPath",
        "rekorPublicKeyData",
        "rekorPublicKeyPaths",
        "rekorPublicKeyDatas",
        "pki",
      ]) {
        if (v[k] !== undefined)
          return { type: "unsupported", what: `sigstoreSigned with "${k}" (keyless signing)` };
      }
      onlyFields(v, ["type", "keyPath", "keyPaths", "keyData", "keyDatas", "signedIdentity"], where, source);
      return {
        type: "sigstoreSigned",
        keys: parseKeys(v, where, source, { paths: "keyPaths", datas: "keyDatas" }),
        signedIdentity: parseIdentity(v.signedIdentity, source),
      };
    }
    default:
      throw bad(source, `unknown requirement type ${JSON.stringify(v.type)}`);
  }
}

function parseList(v: unknown, where: string, source: string): Requirement[] {
  if (!Array.isArray(v) || v.length === 0)
    throw bad(source, `${where} must be a non-empty list of requirements`);
  return v.map((r) => parseRequirement(r, source));
}

/** Parses policy.json text, refusing what containers/image refuses (unknown fields, empty lists). */
export function parsePolicy(text: string, source: string): Policy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad(source, "not JSON");
  }
  if (!isObject(doc)) throw bad(source, "not a JSON object");
  onlyFields(doc, ["default", "transports"], "the policy", source);
  const transports: Policy["transports"] = {};
  if (doc.transports !== undefined) {
    if (!isObject(doc.transports)) throw bad(source, "transports is not an object");
    for (const [name, scopes] of Object.entries(doc.transports)) {
      if (!isObject(scopes)) throw bad(source, `transports.${name} is not an object`);
      transports[name] = Object.fromEntries(
        Object.entries(scopes).map(([scope, reqs]) => [
          scope,
          parseList(reqs, `transports.${name}["${scope}"]`, source),
        ]),
      );
    }
  }
  return { default: parseList(doc.default, "default", source), transports, source };
}

/** Reads a policy file; a missing file is an error (the caller decides where to look). */
export async function readPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new WharfError("config-invalid", `cannot read the signature policy ${path}`, {
      hint: "check the --signature-policy path",
      cause: e,
    });
  }
  return parsePolicy(text, path);
}
