import { Readable } from "node:stream";
import { WharfError } from "../../errors/index.js";
import { checkPath, notFound, pageOf, parentOf } from "./paths.js";
import type { FileInfo, FileWriter, StorageDriver } from "./types.js";

interface Entry {
  data: Buffer;
  modTime: Date;
}

const SLICE = 1 << 20;

/**
 * A storage driver in process memory: for tests and for the in-process test registry. Files are
 * whole buffers; directories exist implicitly while a file lies below them.
 */
export function memoryDriver(): StorageDriver {
  const files = new Map<string, Entry>();
  /** Writers' content not yet committed, by path. */
  const partials = new Map<string, Buffer[]>();

  const get = (path: string): Entry => {
    const e = files.get(checkPath(path));
    if (!e) throw notFound(path);
    return e;
  };
  const under = (dir: string): string[] => {
    const prefix = dir === "/" ? "/" : `${dir}/`;
    return [...files.keys()].filter((k) => k.startsWith(prefix));
  };

  return {
    name: "inmemory",
    async getContent(path) {
      return get(path).data;
    },
    async putContent(path, content) {
      files.set(checkPath(path), { data: Buffer.from(content), modTime: new Date() });
    },
    async reader(path, offset = 0) {
      const { data } = get(path);
      if (offset > data.length) {
        throw new WharfError("range-invalid", `offset ${offset} is past the end of ${path}`);
      }
      const slices: Buffer[] = [];
      for (let i = offset; i < data.length; i += SLICE) slices.push(data.subarray(i, i + SLICE));
      return Readable.from(slices, { objectMode: false });
    },
    async writer(path, opts = {}) {
      checkPath(path);
      let chunks = opts.append ? partials.get(path) : undefined;
      if (!chunks && opts.append && files.has(path)) {
        chunks = [get(path).data];
        files.delete(path);
      }
      // Appending continues what is there: a directory deleted meanwhile is not made again.
      if (!chunks && opts.append && path.lastIndexOf("/") > 0 && under(parentOf(path)).length === 0) {
        throw notFound(path);
      }
      chunks ??= [];
      partials.set(path, chunks);
      const parts = chunks;
      let size = parts.reduce((n, c) => n + c.length, 0);
      let done = false;
      const live = () => {
        if (done) throw new WharfError("internal", `writer for ${path} is already finished`);
      };
      const w: FileWriter = {
        get size() {
          return size;
        },
        async write(chunk) {
          live();
          parts.push(Buffer.from(chunk));
          size += chunk.byteLength;
        },
        async commit() {
          live();
          done = true;
          partials.delete(path);
          files.set(path, { data: Buffer.concat(parts, size), modTime: new Date() });
        },
        async close() {
          done = true;
        },
        async cancel() {
          done = true;
          if (partials.get(path) === parts) partials.delete(path);
        },
      };
      return w;
    },
    async stat(path): Promise<FileInfo> {
      checkPath(path);
      const e = files.get(path);
      if (e) return { path, size: e.data.length, modTime: e.modTime, isDir: false };
      const below = under(path);
      if (below.length === 0) throw notFound(path);
      const modTime = new Date(Math.max(...below.map((k) => files.get(k)?.modTime.getTime() ?? 0)));
      return { path, size: 0, modTime, isDir: true };
    },
    async list(path, lopts) {
      if (path !== "/") checkPath(path);
      const prefix = path === "/" ? "/" : `${path}/`;
      const below = under(path);
      if (below.length === 0) {
        if (path !== "/" && files.has(path)) return [];
        throw notFound(path);
      }
      const names = new Set<string>();
      for (const k of below) names.add(k.slice(prefix.length).split("/")[0] as string);
      return pageOf([...names], lopts).map((n) => prefix + n);
    },
    async move(from, to) {
      const e = get(from);
      checkPath(to);
      files.delete(from);
      for (const k of under(to)) files.delete(k);
      files.set(to, { data: e.data, modTime: new Date() });
    },
    async delete(path) {
      checkPath(path);
      const below = under(path);
      if (!files.delete(path) && below.length === 0) throw notFound(path);
      for (const k of below) files.delete(k);
      for (const k of [...partials.keys()]) if (k.startsWith(`${path}/`)) partials.delete(k);
    },
  };
}
