import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWharfError, type WharfError } from "../../errors/index.js";
import { envPath } from "./env.js";
import { configFrom, loadRegistryConfig, parseConfigText } from "./load.js";
import { parseAddr } from "./resolve.js";
import { parseDuration } from "./tree.js";

const ROOT = "/srv/wharf";
const from = (yaml: string, env: NodeJS.ProcessEnv = {}, flags = {}) =>
  configFrom(parseConfigText(yaml, "test.yml"), { env, flags, wharfRoot: ROOT });
const failure = (f: () => unknown): WharfError => {
  try {
    f();
  } catch (e) {
    if (isWharfError(e, "config-invalid")) return e;
    throw e;
  }
  throw new Error("expected a config-invalid error");
};

describe("registry config", () => {
  it("defaults to 127.0.0.1:5000, <root>/registry, no auth, text logs at info", () => {
    const c = from("");
    expect(c.listen).toEqual({ net: "tcp", host: "127.0.0.1", port: 5000 });
    expect(c.storage).toEqual({ driver: "filesystem", root: "/srv/wharf/registry" });
    expect(c.auth).toEqual({ kind: "none" });
    expect(c.deleteEnabled).toBe(false);
    expect(c.tls).toBeUndefined();
    expect(c.log).toEqual({ level: "info", formatter: "text", accessLog: true, fields: {} });
  });

  it("reads Distribution's packaged config.yml, warning about what it does not run", () => {
    const c = from(`version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/docker-registry
  delete:
    enabled: true
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: basic-realm
    path: /etc/docker/registry/htpasswd
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
`);
    expect(c.listen).toEqual({ net: "tcp", host: undefined, port: 5000 });
    expect(c.storage).toEqual({ driver: "filesystem", root: "/var/lib/docker-registry" });
    expect(c.deleteEnabled).toBe(true);
    expect(c.headers).toEqual({ "X-Content-Type-Options": ["nosniff"] });
    expect(c.auth).toEqual({ kind: "htpasswd", realm: "basic-realm", path: "/etc/docker/registry/htpasswd" });
    expect(c.log.fields).toEqual({ service: "registry" });
    expect(c.warnings).toEqual([expect.stringMatching(/^health: /)]);
  });

  it("maps REGISTRY_* variables onto keys as Distribution does", () => {
    expect(envPath("REGISTRY_HTTP_ADDR")?.path).toEqual(["http", "addr"]);
    expect(envPath("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY")?.path).toEqual([
      "storage",
      "filesystem",
      "rootdirectory",
    ]);
    expect(envPath("REGISTRY_AUTH_HTPASSWD_PATH")?.path).toEqual(["auth", "htpasswd", "path"]);
    expect(envPath("REGISTRY_LOG_FIELDS_ENVIRONMENT")?.path).toEqual(["log", "fields", "environment"]);
    expect(envPath("REGISTRY_WHARF_TOKENSERVER_KEY")?.path).toEqual(["wharf", "tokenserver", "key"]);
    expect(envPath("REGISTRY_STORAGE_S3_REGION")?.path).toEqual(["storage", "s3", "region"]);
    expect(envPath("REGISTRY_NOPE")).toBeUndefined();
    expect(envPath("REGISTRY_HTTP__ADDR")).toBeUndefined();

    const c = from("version: 0.1\nhttp:\n  addr: 127.0.0.1:6000\n", {
      REGISTRY_HTTP_ADDR: "127.0.0.1:5055",
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: "/some/dir",
      REGISTRY_STORAGE_DELETE_ENABLED: "true",
      REGISTRY_AUTH_HTPASSWD_REALM: "r",
      REGISTRY_AUTH_HTPASSWD_PATH: "/etc/htpasswd",
      REGISTRY_LOG_LEVEL: "debug",
      REGISTRY_LOG_ACCESSLOG_DISABLED: "true",
      REGISTRY_HTTP_DRAINTIMEOUT: "2s",
      REGISTRY_PORT_5000_TCP: "tcp://10.0.0.2:5000",
      PATH: "/usr/bin",
    });
    expect(c.listen).toEqual({ net: "tcp", host: "127.0.0.1", port: 5055 });
    expect(c.storage).toEqual({ driver: "filesystem", root: "/some/dir" });
    expect(c.deleteEnabled).toBe(true);
    expect(c.auth).toEqual({ kind: "htpasswd", realm: "r", path: "/etc/htpasswd" });
    expect(c.log).toMatchObject({ level: "debug", accessLog: false });
    expect(c.drainTimeoutMs).toBe(2000);
    expect(c.warnings).toEqual([expect.stringContaining("REGISTRY_PORT_5000_TCP")]);
  });

  it("switches the storage driver with REGISTRY_STORAGE", () => {
    const c = from("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /x\n", {
      REGISTRY_STORAGE: "inmemory",
    });
    expect(c.storage).toEqual({ driver: "inmemory" });
    const e = failure(() => from("", { REGISTRY_STORAGE: "s3" }));
    expect(e.message).toMatch(/storage\.s3\.region: missing/);
  });

  it("reads storage.s3 and REGISTRY_STORAGE_S3_* as Distribution, with redis, redirect and secret", () => {
    const c = from(
      `version: 0.1
storage:
  s3:
    region: us-east-1
    bucket: registry
    regionendpoint: 127.0.0.1:7480
    secure: false
    forcepathstyle: true
    rootdirectory: /reg
    chunksize: 20971520
    storageclass: REDUCED_REDUNDANCY
    encrypt: true
  cache:
    blobdescriptor: redis
  redirect:
    disable: true
redis:
  addr: 127.0.0.1:6390
  db: 2
`,
      {
        REGISTRY_STORAGE_S3_ACCESSKEY: "AK",
        REGISTRY_STORAGE_S3_SECRETKEY: "123",
        REGISTRY_STORAGE_S3_MULTIPARTCOPYTHRESHOLDSIZE: "67108864",
        REGISTRY_HTTP_SECRET: "shared",
      },
    );
    expect(c.storage).toEqual({
      driver: "s3",
      s3: {
        region: "us-east-1",
        bucket: "registry",
        endpoint: "127.0.0.1:7480",
        secure: false,
        forcePathStyle: true,
        skipVerify: false,
        encrypt: true,
        rootDirectory: "/reg",
        chunkSize: 20 << 20,
        multipartCopyThresholdSize: 64 << 20,
        storageClass: "REDUCED_REDUNDANCY",
        accessKey: "AK",
        secretKey: "123",
      },
    });
    expect(c.redirect).toBe(false);
    expect(c.secret).toBe("shared");
    expect(c.redis).toEqual({ addr: "127.0.0.1:6390", db: 2, tls: false });
    const plain = from("version: 0.1\nstorage:\n  s3:\n    region: r\n    bucket: b\n");
    expect(plain.redirect).toBe(true);
    expect(plain.redis).toBeUndefined();
    expect(plain.storage).toMatchObject({ driver: "s3", s3: { secure: true, forcePathStyle: false } });
  });

  it("lets flags override the file and the environment", () => {
    const c = from(
      "version: 0.1\nhttp:\n  addr: :7000\nstorage:\n  inmemory:\n",
      { REGISTRY_HTTP_ADDR: "127.0.0.1:5055" },
      { addr: "127.0.0.1:0", root: "/data", delete: true, tlsCert: "c.pem", tlsKey: "k.pem", htpasswd: "/h" },
    );
    expect(c.listen).toEqual({ net: "tcp", host: "127.0.0.1", port: 0 });
    expect(c.storage).toEqual({ driver: "filesystem", root: "/data" });
    expect(c.deleteEnabled).toBe(true);
    expect(c.tls).toEqual({ certificate: "c.pem", key: "k.pem" });
    expect(c.auth).toEqual({ kind: "htpasswd", realm: "basic-realm", path: "/h" });
  });

  it("names the key of every unsupported or unknown setting", () => {
    const cases: [string, RegExp][] = [
      ["storage:\n  s3:\n    bucket: b\n", /storage\.s3\.region: missing/],
      [
        "storage:\n  s3:\n    region: r\n    bucket: b\n    v4auth: false\n",
        /storage\.s3\.v4auth: unsupported/,
      ],
      ["storage:\n  s3:\n    region: r\n    bucket: b\n    chunksize: 1000\n", /chunksize: must be at least/],
      ["storage:\n  s3:\n    region: r\n    bucket: b\n    accesskey: a\n", /secretkey: missing/],
      ["storage:\n  azure:\n    accountname: a\n", /storage\.azure: unsupported/],
      ["storage:\n  gopher: {}\n", /storage\.gopher: unknown storage driver/],
      ["storage:\n  filesystem: {}\n  inmemory: {}\n", /more than one storage driver/],
      [
        "notifications:\n  endpoints:\n    - name: a\n      url: http://x.test\n      treshold: 3\n",
        /notifications\.endpoints\[0\]\.treshold: unknown setting/,
      ],
      [
        "notifications:\n  endpoints:\n    - name: a\n      url: x.test\n",
        /endpoints\[0\]\.url: expected an http/,
      ],
      ["notifications:\n  endpoints:\n    - url: http://x.test\n", /endpoints\[0\]\.name: missing/],
      ["storage:\n  cache:\n    blobdescriptor: redis\n", /redis\.addr: missing/],
      ["redis:\n  adr: localhost:6379\n", /redis\.adr: unknown setting/],
      ["proxy:\n  remoteurl: ftp://registry.example.test\n", /proxy\.remoteurl: not an http/],
      ["proxy:\n  remoteurl: http://r.test\n  ttl: soon\n", /proxy\.ttl/],
      ["storage:\n  cache:\n    blobdescriptor: memcached\n", /storage\.cache\.blobdescriptor: unsupported/],
      ["http:\n  tls:\n    clientcas: [/ca.pem]\n    certificate: c\n    key: k\n", /http\.tls\.clientcas/],
      ["http:\n  prefix: /reg/\n", /http\.prefix/],
      ["http:\n  adr: :5000\n", /http\.adr: unknown setting/],
      ["auth:\n  silly:\n    realm: r\n", /auth\.silly: unsupported/],
      ["auth:\n  htpasswd:\n    realm: r\n", /auth\.htpasswd\.path: missing/],
      [
        "auth:\n  htpasswd: {path: /h}\n  token: {realm: r, service: s, issuer: i, rootcertbundle: b}\n",
        /more than one auth/,
      ],
      [
        "auth:\n  token:\n    realm: https://a.test\n    service: s\n    issuer: i\n",
        /auth\.token\.rootcertbundle: missing/,
      ],
      ["http:\n  tls:\n    certificate: c.pem\n", /http\.tls\.key: missing/],
      ["http:\n  addr: nowhere\n", /http\.addr: bad address/],
      ["log:\n  level: loud\n", /log\.level/],
      ["storage:\n  delete:\n    enabled: maybe\n", /storage\.delete\.enabled: expected a bool/],
      [
        "wharf:\n  access:\n    - account: a\n      repository: x\n      actions: [pull]\n",
        /wharf\.access: access rules need auth/,
      ],
    ];
    for (const [yaml, re] of cases)
      expect(failure(() => from(`version: 0.1\n${yaml}`)).message, yaml).toMatch(re);
    expect(failure(() => from("version: 0.2\n")).message).toMatch(/version: unsupported version/);
  });

  it("reads proxy: (a pull-through cache), from the file and REGISTRY_PROXY_* variables", () => {
    const c = from("proxy:\n  remoteurl: https://registry-1.docker.io/\n  username: u\n", {
      REGISTRY_PROXY_PASSWORD: "p",
      REGISTRY_PROXY_TTL: "2h",
    });
    expect(c.proxy).toEqual({
      remoteUrl: "https://registry-1.docker.io",
      username: "u",
      password: "p",
      ttlMs: 2 * 3600e3,
    });
    expect(from("proxy:\n  remoteurl: http://127.0.0.1:1\n").proxy?.ttlMs).toBe(168 * 3600e3);
    expect(from("proxy:\n  remoteurl: http://127.0.0.1:1\n  ttl: 0\n").proxy?.ttlMs).toBe(0);
    expect(from("").proxy).toBeUndefined();
  });

  it("accepts harmless keys silently and warns about ignored ones", () => {
    const c = from(`version: 0.1
storage:
  filesystem:
    rootdirectory: /r
  maintenance:
    uploadpurging:
      enabled: false
    readonly:
      enabled: false
  redirect:
    disable: true
http:
  secret: s3cret
  relativeurls: true
  debug:
    addr: :5001
notifications:
  events:
    includereferences: true
compatibility:
  schema1:
    enabled: false
`);
    expect(c.warnings).toEqual([expect.stringMatching(/^http\.debug: /)]);
  });

  it("configures the built-in token server with access rules", () => {
    const c = from(`version: 0.1
wharf:
  tokenserver:
    htpasswd: /etc/wharf/htpasswd
    key: /etc/wharf/token.pem
    anonymous: true
    expiration: 10m
  access:
    - account: alice
      repository: "alice/**"
      actions: [pull, push, delete]
    - anonymous: true
      repository: "public/*"
      actions: [pull]
    - account: admin
      registry: catalog
      actions: ["*"]
`);
    expect(c.auth).toEqual({
      kind: "token",
      realm: "/auth/token",
      service: "wharf-registry",
      issuer: "wharf",
      server: {
        path: "/auth/token",
        htpasswd: "/etc/wharf/htpasswd",
        key: "/etc/wharf/token.pem",
        anonymous: true,
        algorithm: "ES256",
        expiration: 600,
      },
      rules: [
        { account: "alice", type: "repository", name: "alice/**", actions: ["pull", "push", "delete"] },
        { anonymous: true, type: "repository", name: "public/*", actions: ["pull"] },
        { account: "admin", type: "registry", name: "catalog", actions: ["*"] },
      ],
    });
    const bad = failure(() =>
      from(
        "version: 0.1\nwharf:\n  tokenserver: {}\n  access:\n    - account: a\n      repository: x\n      actions: [fly]\n",
      ),
    );
    expect(bad.message).toMatch(/wharf\.access\[0\]\.actions/);
  });

  it("turns an htpasswd auth section into the token server's accounts with --token", () => {
    const c = from(
      "version: 0.1\nauth:\n  htpasswd:\n    realm: r\n    path: /h\n",
      {},
      { token: true, tokenKey: "/k" },
    );
    expect(c.auth).toMatchObject({
      kind: "token",
      realm: "/auth/token",
      server: { htpasswd: "/h", key: "/k" },
    });
    expect(c.warnings).toEqual([]);
    const ephemeral = from("version: 0.1\nwharf:\n  tokenserver: {}\n");
    expect(ephemeral.warnings).toEqual([expect.stringMatching(/^wharf\.tokenserver\.key: not set/)]);
  });

  it("reads an external token issuer's settings", () => {
    const c = from(
      "version: 0.1\nauth:\n  token:\n    realm: https://auth.example.test/token\n    service: reg\n    issuer: iss\n    rootcertbundle: /b.pem\n",
    );
    expect(c.auth).toEqual({
      kind: "token",
      realm: "https://auth.example.test/token",
      service: "reg",
      issuer: "iss",
      rootcertbundle: "/b.pem",
    });
  });

  it("parses addresses and Go durations", () => {
    expect(parseAddr("[::1]:5000")).toEqual({ host: "::1", port: 5000 });
    expect(parseAddr("localhost:0")).toEqual({ host: "localhost", port: 0 });
    expect(() => parseAddr("1.2.3.4:99999")).toThrow(/bad address/);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration(2_000_000_000)).toBe(2000);
    expect(parseDuration("10")).toBeUndefined();
    expect(parseDuration("5 minutes")).toBeUndefined();
  });
});

describe("loading config files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-config-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads the file named by --config or REGISTRY_CONFIGURATION_PATH and requires a version", async () => {
    const file = join(dir, "config.yml");
    await writeFile(file, "version: 0.1\nhttp:\n  addr: 127.0.0.1:5999\n");
    expect((await loadRegistryConfig({ file, wharfRoot: ROOT })).listen).toMatchObject({ port: 5999 });
    const viaEnv = await loadRegistryConfig({ env: { REGISTRY_CONFIGURATION_PATH: file }, wharfRoot: ROOT });
    expect(viaEnv.listen).toMatchObject({ port: 5999 });
    await writeFile(file, "http:\n  addr: :1\n");
    await expect(loadRegistryConfig({ file, wharfRoot: ROOT })).rejects.toThrow(/version: missing/);
    await writeFile(file, "version: 0.1\nhttp: [\n");
    await expect(loadRegistryConfig({ file, wharfRoot: ROOT })).rejects.toThrow(/cannot parse/);
    await expect(loadRegistryConfig({ file: join(dir, "missing.yml"), wharfRoot: ROOT })).rejects.toThrow(
      /ENOENT/,
    );
  });
});
