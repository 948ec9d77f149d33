/**
 * Every key of Distribution's config.yml (version 0.1, as of 2.8) and of wharf's own `wharf:` section,
 * with what wharf does with it. A key not in this table is an error (a typo must not pass silently);
 * a key wharf cannot honour is an error naming it; a key whose absence of effect is harmless is
 * accepted, with a warning when a Distribution user might expect it to do something.
 */
export type Kind = "object" | "map" | "string" | "bool" | "int" | "duration" | "list" | "any";

export interface Rule {
  kind: Kind;
  /** object: the known keys. */
  keys?: Record<string, Rule>;
  /** map: the rule of every value (keys are free). */
  of?: Rule;
  /** An error when present (and `when` holds): the reason wharf refuses the setting. */
  unsupported?: string;
  /** Refine `unsupported` or `warn` to some values only. */
  when?: (v: unknown) => boolean;
  /** Accepted but without effect: the warning printed at start. */
  warn?: string;
}

const s = (extra: Partial<Rule> = {}): Rule => ({ kind: "string", ...extra });
const b = (extra: Partial<Rule> = {}): Rule => ({ kind: "bool", ...extra });
const n = (extra: Partial<Rule> = {}): Rule => ({ kind: "int", ...extra });
const d = (extra: Partial<Rule> = {}): Rule => ({ kind: "duration", ...extra });
const any = (extra: Partial<Rule> = {}): Rule => ({ kind: "any", ...extra });
const obj = (keys: Record<string, Rule>, extra: Partial<Rule> = {}): Rule => ({
  kind: "object",
  keys,
  ...extra,
});

const nonEmpty = (v: unknown): boolean =>
  v !== null &&
  v !== undefined &&
  v !== "" &&
  !(Array.isArray(v) && v.length === 0) &&
  !(typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);
const isTrue = (v: unknown): boolean => v === true;

/** Storage drivers Distribution has and wharf does not (yet). */
export const UNSUPPORTED_DRIVERS = ["s3-aws", "azure", "gcs", "swift", "oss"];
/** The keys of `storage` that are not drivers. */
export const STORAGE_OPTIONS = ["delete", "maintenance", "cache", "redirect", "tag"];

/** Distribution's `storage.s3` parameters (2.8), as wharf's s3 driver reads them (config/storage.ts). */
const s3: Rule = obj({
  region: s(),
  regionendpoint: s(),
  forcepathstyle: b(),
  bucket: s(),
  accesskey: s(),
  secretkey: s(),
  sessiontoken: s(),
  rootdirectory: s(),
  chunksize: n(),
  multipartcopychunksize: n(),
  multipartcopymaxconcurrency: n(),
  multipartcopythresholdsize: n(),
  secure: b(),
  skipverify: b(),
  storageclass: s(),
  encrypt: b(),
  keyid: s(),
  v4auth: b({
    unsupported: "signature version 2 (v4auth: false) is not supported",
    when: (v) => v === false,
  }),
  accelerate: b({ unsupported: "S3 transfer acceleration is not supported", when: isTrue }),
  usedualstack: b({ unsupported: "dual-stack S3 endpoints are not supported", when: isTrue }),
  objectacl: s({ warn: "objects are written with the bucket's default ACL", when: (v) => v !== "private" }),
  useragent: s({ warn: "the S3 client's user agent is not changed", when: nonEmpty }),
  loglevel: s({ warn: "S3 request logging is not supported", when: (v) => v !== "off" && v !== "" }),
});

const storage: Rule = obj({
  filesystem: obj({ rootdirectory: s(), maxthreads: n({ warn: "wharf does not limit filesystem threads" }) }),
  inmemory: any(),
  s3,
  ...Object.fromEntries(
    UNSUPPORTED_DRIVERS.map((name) => [
      name,
      any({ unsupported: `the ${name} storage driver is not supported; use filesystem, s3 or inmemory` }),
    ]),
  ),
  delete: obj({ enabled: b() }),
  maintenance: obj({
    uploadpurging: obj({ enabled: b(), age: d(), interval: d(), dryrun: b() }),
    readonly: obj({ enabled: b() }),
  }),
  cache: obj({
    blobdescriptor: s({
      unsupported: "blob descriptor caches are inmemory or redis",
      when: (v) => v !== "inmemory" && v !== "redis" && v !== "",
    }),
    blobdescriptorsize: n(),
  }),
  redirect: obj({ disable: b() }),
  tag: obj({ concurrencylimit: n() }),
});

const accessRule: Rule = any();

export const SCHEMA: Rule = obj({
  version: s(),
  loglevel: s(),
  log: obj({
    accesslog: obj({ disabled: b() }),
    level: s(),
    formatter: s(),
    fields: { kind: "map", of: any() },
    hooks: any({ unsupported: "log hooks (mail) are not supported", when: nonEmpty }),
    reportcaller: b({ warn: "wharf does not report callers in logs", when: isTrue }),
  }),
  storage,
  auth: obj({
    silly: any({ unsupported: "the silly auth scheme is not supported; use htpasswd or token" }),
    htpasswd: obj({ realm: s(), path: s() }),
    token: obj({
      realm: s(),
      service: s(),
      issuer: s(),
      rootcertbundle: s(),
      autoredirect: b({ unsupported: "token autoredirect is not supported", when: isTrue }),
      jwks: any({ unsupported: "JWKS files are not supported; use rootcertbundle", when: nonEmpty }),
      signingalgorithms: any({
        unsupported: "restricting signing algorithms is not supported",
        when: nonEmpty,
      }),
    }),
  }),
  middleware: any({ unsupported: "middleware (cloudfront, redirect, ...) is not supported", when: nonEmpty }),
  reporting: any({
    warn: "error reporting (bugsnag, newrelic) is not supported and is ignored",
    when: nonEmpty,
  }),
  http: obj({
    addr: s(),
    net: s({
      unsupported: "http.net must be tcp or unix",
      when: (v) => v !== "tcp" && v !== "unix" && v !== "",
    }),
    host: s({ warn: "wharf sends relative Location URLs; http.host is not needed", when: nonEmpty }),
    prefix: s({
      unsupported: "serving under a path prefix is not supported",
      when: (v) => v !== "" && v !== "/",
    }),
    secret: s(),
    relativeurls: b(),
    draintimeout: d(),
    tls: obj({
      certificate: s(),
      key: s(),
      clientcas: any({ unsupported: "client certificate authentication is not supported", when: nonEmpty }),
      minimumtls: s(),
      ciphersuites: any({ unsupported: "choosing TLS cipher suites is not supported", when: nonEmpty }),
      letsencrypt: any({
        unsupported: "Let's Encrypt is not supported; give a certificate and key",
        when: nonEmpty,
      }),
    }),
    headers: { kind: "map", of: any() },
    debug: any({ warn: "the debug server (http.debug) is not served", when: nonEmpty }),
    http2: obj({ disabled: b() }),
  }),
  notifications: obj({
    events: obj({ includereferences: b() }),
    endpoints: {
      kind: "list",
      of: obj({
        name: s(),
        disabled: b(),
        url: s(),
        headers: { kind: "map", of: any() },
        timeout: d(),
        threshold: n(),
        backoff: d(),
        ignoredmediatypes: any(),
        ignore: obj({ mediatypes: any(), actions: any() }),
      }),
    },
  }),
  redis: obj({
    addr: s(),
    username: s(),
    password: s(),
    db: n(),
    dialtimeout: d(),
    readtimeout: d(),
    writetimeout: d(),
    pool: obj({ maxidle: n(), maxactive: n(), idletimeout: d() }),
    tls: obj({ enabled: b() }),
  }),
  health: any({ warn: "health checks (health.*) are not run", when: nonEmpty }),
  proxy: obj({ remoteurl: s(), username: s(), password: s(), ttl: d() }),
  compatibility: obj({
    schema1: obj({
      enabled: b({ unsupported: "schema 1 manifests are not supported", when: isTrue }),
      signingkeyfile: s(),
    }),
  }),
  validation: obj({
    enabled: b({ unsupported: "validation cannot be turned off", when: (v) => v === false }),
    disabled: b({ unsupported: "validation cannot be turned off", when: isTrue }),
    manifests: any({ unsupported: "manifest URL validation rules are not supported", when: nonEmpty }),
  }),
  policy: any({ unsupported: "repository class policies are not supported", when: nonEmpty }),
  catalog: obj({ maxentries: n({ warn: "catalog.maxentries is not applied" }) }),
  wharf: obj({
    tokenserver: obj({
      path: s(),
      htpasswd: s(),
      anonymous: b(),
      key: s(),
      algorithm: s(),
      certificate: s(),
      expiration: d(),
    }),
    access: { kind: "list", of: accessRule },
    gc: obj({ interval: d(), grace: d(), deleteuntagged: b() }),
  }),
});

/** The rule at a key path, or undefined when the path is unknown (maps accept any key). */
export function ruleAt(path: readonly string[]): Rule | undefined {
  let r: Rule | undefined = SCHEMA;
  for (const k of path) {
    if (!r) return undefined;
    if (r.kind === "object") r = r.keys?.[k];
    else if (r.kind === "map") r = r.of;
    else return undefined;
  }
  return r;
}
