import { algorithmOf, type Digest, hexOf } from "../digest/index.js";

/**
 * The registry's storage layout: Distribution 2.8's, so that wharf serves a directory Distribution
 * wrote and Distribution serves one wharf wrote. Every path the registry touches is computed here.
 *
 * /docker/registry/v2/
 * ├── blobs/<alg>/<first 2 hex>/<hex>/data          blob and manifest bytes, shared by all repositories
 * └── repositories/<name...>/                        name may be nested: a/b/c
 *     ├── _layers/<alg>/<hex>/link                   "this repository holds blob <digest>"
 *     ├── _manifests/
 *     │   ├── revisions/<alg>/<hex>/link             "this repository holds manifest <digest>"
 *     │   │                   └── mediatype          (wharf) the Content-Type pushed, when the
 *     │   │                                          document has no mediaType field of its own
 *     │   └── tags/<tag>/
 *     │       ├── current/link                       the digest the tag points at now
 *     │       └── index/<alg>/<hex>/link             every digest the tag has pointed at
 *     ├── _uploads/<uuid>/
 *     │   ├── data                                   the upload's bytes so far
 *     │   ├── startedat                              RFC 3339 start time
 *     │   └── hashstates/<alg>/<offset>              (Distribution only: Go hash states; wharf
 *     │                                              rehashes the data when it has no state)
 *     └── _referrers/<alg>/<subject hex>/<alg>-<hex> (wharf) descriptor JSON of a manifest whose
 *                                                    subject is <subject>: the referrers index
 *
 * /docker/registry/v2/wharf/                        (wharf's own; Distribution ignores it)
 * ├── blob-repositories/<alg>/<hex>/<name with "/" as "+">
 * │                                                  "this repository linked (or was about to use)
 * │                                                  blob <digest>": hints for automatic mounts; their
 * │                                                  modification time is an intent garbage collection
 * │                                                  respects (gc/README.md)
 * ├── pending/<name with "/" as "+">@<alg>-<hex>.<id>
 * │                                                  a manifest PUT in flight (or done while a
 * │                                                  collection ran): the digests it references, so
 * │                                                  that a blob delete and a collection see it
 * ├── catalog/<name with "/" as "+">              "this repository exists": the catalog's index, one
 * │                                                  flat directory in Distribution's (component)
 * │                                                  order, since "+" sorts below every name character
 * ├── catalog-built                                  the index holds every repository made before it
 * └── gc/
 *     ├── runs/<id>                                  a collection running; rewritten as its heartbeat
 *     └── doomed/<id>.<n>                            the digests batch <n> of run <id> may delete
 *
 * A `link` file holds a digest as text. Names starting with "_" are never repository path components
 * (the repository grammar forbids them), so the repository tree and the metadata cannot collide.
 */
export const ROOT = "/docker/registry/v2";
export const REPOSITORIES = `${ROOT}/repositories`;

const split = (d: Digest) => `${algorithmOf(d)}/${hexOf(d)}`;

export const layout = {
  blobDir: (d: Digest) => `${ROOT}/blobs/${algorithmOf(d)}/${hexOf(d).slice(0, 2)}/${hexOf(d)}`,
  blobData: (d: Digest) => `${layout.blobDir(d)}/data`,

  repository: (name: string) => `${REPOSITORIES}/${name}`,
  layerLink: (name: string, d: Digest) => `${REPOSITORIES}/${name}/_layers/${split(d)}/link`,

  revisions: (name: string) => `${REPOSITORIES}/${name}/_manifests/revisions`,
  revisionDir: (name: string, d: Digest) => `${REPOSITORIES}/${name}/_manifests/revisions/${split(d)}`,
  revisionLink: (name: string, d: Digest) => `${layout.revisionDir(name, d)}/link`,
  revisionMediaType: (name: string, d: Digest) => `${layout.revisionDir(name, d)}/mediatype`,

  tags: (name: string) => `${REPOSITORIES}/${name}/_manifests/tags`,
  tag: (name: string, tag: string) => `${layout.tags(name)}/${tag}`,
  tagCurrent: (name: string, tag: string) => `${layout.tag(name, tag)}/current/link`,
  tagIndexLink: (name: string, tag: string, d: Digest) => `${layout.tag(name, tag)}/index/${split(d)}/link`,

  pending: `${ROOT}/wharf/pending`,
  /** The announcement's file name starts with `pendingPrefix(name)`. */
  pendingPrefix: (name: string) => `${name.replaceAll("/", "+")}@`,
  pendingPut: (name: string, d: Digest, id: string) =>
    `${ROOT}/wharf/pending/${name.replaceAll("/", "+")}@${algorithmOf(d)}-${hexOf(d)}.${id}`,

  blobs: `${ROOT}/blobs`,
  gcRuns: `${ROOT}/wharf/gc/runs`,
  gcRun: (id: string) => `${ROOT}/wharf/gc/runs/${id}`,
  gcDoomed: `${ROOT}/wharf/gc/doomed`,
  gcDoom: (id: string, batch: number) => `${ROOT}/wharf/gc/doomed/${id}.${batch}`,

  catalog: `${ROOT}/wharf/catalog`,
  catalogEntry: (name: string) => `${ROOT}/wharf/catalog/${name.replaceAll("/", "+")}`,
  catalogBuilt: `${ROOT}/wharf/catalog-built`,
  hints: `${ROOT}/wharf/blob-repositories`,
  blobRepositories: (d: Digest) => `${ROOT}/wharf/blob-repositories/${split(d)}`,
  blobRepository: (d: Digest, name: string) =>
    `${ROOT}/wharf/blob-repositories/${split(d)}/${name.replaceAll("/", "+")}`,

  upload: (name: string, uuid: string) => `${REPOSITORIES}/${name}/_uploads/${uuid}`,
  uploadData: (name: string, uuid: string) => `${layout.upload(name, uuid)}/data`,
  uploadStartedAt: (name: string, uuid: string) => `${layout.upload(name, uuid)}/startedat`,

  referrers: (name: string, subject: Digest) => `${REPOSITORIES}/${name}/_referrers/${split(subject)}`,
  referrer: (name: string, subject: Digest, d: Digest) =>
    `${layout.referrers(name, subject)}/${algorithmOf(d)}-${hexOf(d)}`,
};
