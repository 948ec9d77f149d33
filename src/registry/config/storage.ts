import type { S3DriverOptions } from "../driver/s3-client.js";
import { STORAGE_OPTIONS } from "./schema.js";
import { getPath, isObject, parseDuration, type Tree } from "./tree.js";
import type { RedisSettings, RegistryConfig } from "./types.js";
import { invalid } from "./validate.js";

const MiB = 1 << 20;

const str = (t: Tree, ...p: string[]): string | undefined => {
  const v = getPath(t, p);
  return v === undefined || v === null || v === "" ? undefined : String(v);
};
const boolOr = (t: Tree, dflt: boolean, ...p: string[]): boolean => {
  const v = getPath(t, p);
  if (v === undefined || v === null || v === "") return dflt;
  return v === true || v === "true";
};
const int = (t: Tree, ...p: string[]): number | undefined => {
  const v = getPath(t, p);
  return v === undefined || v === null || v === "" ? undefined : Number(v);
};

/** `storage.s3` → the s3 driver's options, with Distribution's checks and defaults. */
function s3Options(t: Tree): S3DriverOptions {
  const p = (k: string) => str(t, "storage", "s3", k);
  const region = p("region");
  const bucket = p("bucket");
  if (region === undefined)
    throw invalid(
      "storage.s3.region",
      "missing",
      "set the bucket's region (us-east-1 for most S3-compatible stores)",
    );
  if (bucket === undefined)
    throw invalid("storage.s3.bucket", "missing", "name the bucket to store the registry in");
  const o: S3DriverOptions = {
    region,
    bucket,
    forcePathStyle: boolOr(t, false, "storage", "s3", "forcepathstyle"),
    secure: boolOr(t, true, "storage", "s3", "secure"),
    skipVerify: boolOr(t, false, "storage", "s3", "skipverify"),
    encrypt: boolOr(t, false, "storage", "s3", "encrypt"),
  };
  const accessKey = p("accesskey");
  const secretKey = p("secretkey");
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw invalid(
      accessKey === undefined ? "storage.s3.accesskey" : "storage.s3.secretkey",
      "missing: give both keys, or neither to use the AWS credential chain",
    );
  }
  const set = <K extends keyof S3DriverOptions>(k: K, v: S3DriverOptions[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  set("accessKey", accessKey);
  set("secretKey", secretKey);
  set("sessionToken", p("sessiontoken"));
  set("endpoint", p("regionendpoint"));
  set("rootDirectory", p("rootdirectory"));
  set("storageClass", p("storageclass"));
  set("keyId", p("keyid"));
  const sizes: [keyof S3DriverOptions, string, number][] = [
    ["chunkSize", "chunksize", 5 * MiB],
    ["multipartCopyChunkSize", "multipartcopychunksize", 5 * MiB],
    ["multipartCopyThresholdSize", "multipartcopythresholdsize", 0],
    ["multipartCopyMaxConcurrency", "multipartcopymaxconcurrency", 1],
  ];
  for (const [k, key, min] of sizes) {
    const v = int(t, "storage", "s3", key);
    if (v === undefined) continue;
    if (v < min) throw invalid(`storage.s3.${key}`, `must be at least ${min}`);
    (o as unknown as Record<string, number>)[k] = v;
  }
  const sc = o.storageClass;
  if (sc !== undefined && !["STANDARD", "REDUCED_REDUNDANCY", "NONE"].includes(sc)) {
    throw invalid(
      "storage.s3.storageclass",
      `unknown class ${sc}`,
      "use STANDARD, REDUCED_REDUNDANCY or NONE",
    );
  }
  return o;
}

export function resolveStorage(t: Tree, defaultRoot: string): RegistryConfig["storage"] {
  const s = isObject(t.storage) ? t.storage : {};
  const drivers = Object.keys(s).filter((k) => !STORAGE_OPTIONS.includes(k));
  if (drivers.length > 1) throw invalid("storage", `more than one storage driver: ${drivers.join(", ")}`);
  if (drivers[0] === "inmemory") return { driver: "inmemory" };
  if (drivers[0] === "s3") return { driver: "s3", s3: s3Options(t) };
  return { driver: "filesystem", root: str(t, "storage", "filesystem", "rootdirectory") ?? defaultRoot };
}

/** `redis:`, when `storage.cache.blobdescriptor` is `redis` (and only then, as Distribution). */
export function resolveRedis(t: Tree): RedisSettings | undefined {
  if (str(t, "storage", "cache", "blobdescriptor") !== "redis") return undefined;
  const addr = str(t, "redis", "addr");
  if (addr === undefined) {
    throw invalid(
      "redis.addr",
      "missing: storage.cache.blobdescriptor is redis",
      "set redis.addr (host:port)",
    );
  }
  const out: RedisSettings = {
    addr,
    db: int(t, "redis", "db") ?? 0,
    tls: boolOr(t, false, "redis", "tls", "enabled"),
  };
  const username = str(t, "redis", "username");
  const password = str(t, "redis", "password");
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  const dial = parseDuration(getPath(t, ["redis", "dialtimeout"]));
  if (dial !== undefined && dial > 0) out.dialTimeoutMs = dial;
  return out;
}
