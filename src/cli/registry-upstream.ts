import { collect, type Digest, isDigest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import type { ProxySettings, Upstream } from "../registry/index.js";
import {
  createTransport,
  header,
  listTags,
  MANIFEST_ACCEPT,
  openBlob,
  pullScope,
  registryError,
  statBlob,
} from "../remote/index.js";

const MANIFEST_LIMIT = 4 << 20;

/**
 * The upstream of a pull-through cache (`proxy.remoteurl`) over wharf's registry client: its
 * transport does the ping, the `WWW-Authenticate` challenge, bearer tokens or basic auth with
 * `proxy.username`/`proxy.password`, retries and redirects. Not found upstream reads as
 * `manifest-unknown`/`blob-unknown`/`name-unknown` (the cache tells that from unreachable).
 */
export function proxyUpstream(settings: ProxySettings): Upstream {
  const url = new URL(settings.remoteUrl);
  const domain = url.host;
  const { username, password } = settings;
  const transport = createTransport(domain, {
    ...(url.protocol === "http:" ? { insecureRegistries: [domain] } : {}),
    ...(username !== undefined ? { credentials: async () => ({ username, password: password ?? "" }) } : {}),
  });
  const repo = (path: string) => ({ transport, path });
  const unknown = (code: "manifest-unknown" | "blob-unknown" | "name-unknown", what: string) =>
    new WharfError(code, `${what} not found upstream at ${domain}`);

  return {
    async manifest(path, ref, accept, opts) {
      const res = await transport.request({
        method: opts.head ? "HEAD" : "GET",
        path: `/v2/${path}/manifests/${ref}`,
        headers: { accept: accept.length > 0 ? accept.join(", ") : MANIFEST_ACCEPT },
        scopes: [pullScope(path)],
      });
      if (res.status === 404) {
        res.discard();
        throw unknown("manifest-unknown", `manifest ${path}:${ref}`);
      }
      if (res.status !== 200)
        throw await registryError(res, `cannot get the manifest ${path}:${ref}`, domain);
      const mediaType = header(res, "content-type")?.split(";")[0]?.trim() ?? "";
      const said = header(res, "docker-content-digest");
      if (opts.head) {
        res.discard();
        const digest = said ?? (isDigest(ref) ? ref : undefined);
        if (!digest || !isDigest(digest)) {
          throw new WharfError("manifest-invalid", `${domain} gave no digest for ${path}:${ref}`);
        }
        return { digest, mediaType };
      }
      const body = await collect(res.body, MANIFEST_LIMIT);
      const digest = isDigest(ref) ? ref : said;
      if (!digest || !isDigest(digest)) throw new WharfError("manifest-invalid", `${domain} gave no digest`);
      return { digest, mediaType, body };
    },
    async blob(path, digest: Digest) {
      const size = await statBlob(repo(path), digest);
      if (size === undefined) throw unknown("blob-unknown", `blob ${digest}`);
      const opened = await openBlob(repo(path), digest);
      return { size, body: opened.body };
    },
    async blobSize(path, digest) {
      const size = await statBlob(repo(path), digest);
      if (size === undefined) throw unknown("blob-unknown", `blob ${digest}`);
      return size;
    },
    async tags(path) {
      try {
        return await listTags(repo(path));
      } catch (e) {
        if (e instanceof WharfError && e.code === "not-found")
          throw unknown("name-unknown", `repository ${path}`);
        throw e;
      }
    },
  };
}
