import type { Access } from "./auth/types.js";
import { type Ctx, repo } from "./context.js";
import { deleteBlob, getBlob } from "./handlers/blobs.js";
import { base, catalog, referrers, tagsList } from "./handlers/lists.js";
import { deleteManifest, getManifest, putManifest } from "./handlers/manifests.js";
import { search } from "./handlers/search.js";
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from "./handlers/uploads.js";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Endpoint {
  handle(ctx: Ctx): Promise<void>;
  /** The access the request needs, asked of the authorizer before `handle` runs. */
  access: "none" | "catalog" | Access["actions"];
  /** A delete that only runs when the registry has deletes enabled. */
  deletes?: boolean;
}

export interface Route {
  id: string;
  pattern: RegExp;
  methods: Partial<Record<Method, Endpoint>>;
}

const NAME = "(?<name>.+)";
const pull = ["pull"] as Access["actions"];
const push = ["pull", "push"] as Access["actions"];
const del = ["delete"] as Access["actions"];

/**
 * Every endpoint of the OCI Distribution Spec v1.1, as data. Order matters: upload routes come
 * before the blob route, which would otherwise take `uploads` for a digest.
 */
export const ROUTES: Route[] = [
  {
    id: "base",
    pattern: /^\/v2\/?$/,
    methods: { GET: { handle: base, access: "none" }, HEAD: { handle: base, access: "none" } },
  },
  { id: "catalog", pattern: /^\/v2\/_catalog$/, methods: { GET: { handle: catalog, access: "catalog" } } },
  // Docker Hub's index search, which `docker search HOST/TERM` asks of the registry HOST.
  { id: "search", pattern: /^\/v1\/search$/, methods: { GET: { handle: search, access: "catalog" } } },
  {
    id: "tags",
    pattern: new RegExp(`^/v2/${NAME}/tags/list$`),
    methods: { GET: { handle: tagsList, access: pull } },
  },
  {
    id: "manifest",
    pattern: new RegExp(`^/v2/${NAME}/manifests/(?<reference>[^/]+)$`),
    methods: {
      GET: { handle: getManifest, access: pull },
      HEAD: { handle: getManifest, access: pull },
      PUT: { handle: putManifest, access: push },
      DELETE: { handle: deleteManifest, access: del, deletes: true },
    },
  },
  {
    id: "uploads",
    pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/?$`),
    methods: { POST: { handle: startUpload, access: push } },
  },
  {
    id: "upload",
    pattern: new RegExp(`^/v2/${NAME}/blobs/uploads/(?<uuid>[^/]+)$`),
    methods: {
      GET: { handle: uploadStatus, access: push },
      PATCH: { handle: patchUpload, access: push },
      PUT: { handle: finishUpload, access: push },
      DELETE: { handle: cancelUpload, access: push },
    },
  },
  {
    id: "blob",
    pattern: new RegExp(`^/v2/${NAME}/blobs/(?<digest>[^/]+)$`),
    methods: {
      GET: { handle: getBlob, access: pull },
      HEAD: { handle: getBlob, access: pull },
      DELETE: { handle: deleteBlob, access: del, deletes: true },
    },
  },
  {
    id: "referrers",
    pattern: new RegExp(`^/v2/${NAME}/referrers/(?<digest>[^/]+)$`),
    methods: { GET: { handle: referrers, access: pull } },
  },
];

export interface RouteMatch {
  route: Route;
  params: Record<string, string | undefined>;
}

export function matchRoute(path: string): RouteMatch | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: { ...m.groups } };
  }
  return undefined;
}

/** The access an endpoint needs for a repository `name`. */
export function accessFor(e: Endpoint, name: string | undefined): Access[] {
  if (e.access === "none") return [];
  if (e.access === "catalog") return [{ type: "registry", name: "catalog", actions: ["*"] }];
  return name === undefined ? [] : [repo(name, e.access)];
}
