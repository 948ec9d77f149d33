import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureLayout, type StorePaths } from "../content/index.js";
import { WharfError } from "../errors/index.js";
import { withLock, writeFileAtomicSync } from "../files/index.js";
import { checkDescriptor, type Descriptor, MediaType } from "../oci/index.js";

/** The OCI layout's `index.json`, as wharf reads and writes it (unknown fields are kept). */
export interface IndexFile {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  [extra: string]: unknown;
}

/**
 * Where the image records live: the entries of `index.json`. `update` runs `fn` with exclusive
 * access (a lock between processes for the filesystem) and writes the entries back atomically when
 * `fn` changed them.
 */
export interface RecordStore {
  read(): Promise<Descriptor[]>;
  update<T>(fn: (entries: Descriptor[]) => Promise<T> | T): Promise<T>;
}

function parseIndex(text: string, where: string): IndexFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new WharfError("corrupt", `${where} is not valid JSON`, {
      hint: "restore it from a backup, or remove it to forget every image name",
      cause: e,
    });
  }
  const d = doc as Partial<IndexFile> | null;
  if (typeof d !== "object" || d === null || d.schemaVersion !== 2 || !Array.isArray(d.manifests)) {
    throw new WharfError("corrupt", `${where} is not an OCI image index`);
  }
  d.manifests.forEach((m, i) => {
    checkDescriptor(m, `${where}: manifests[${i}]`);
  });
  return d as IndexFile;
}

/**
 * Records in `<root>/store/index.json`, updated under `<root>/tmp/locks/index.lock`. Given a
 * root, makes its layout first; given the paths of one already made (`openImages`), reads them.
 */
export async function fsRecords(at: string | StorePaths): Promise<RecordStore> {
  const paths = typeof at === "string" ? await ensureLayout(at) : at;
  // index.json is small and read once or twice per command: synchronously (no thread-pool trip).
  const load = async () => parseIndex(readFileSync(paths.index, "utf8"), paths.index);
  return {
    read: async () => (await load()).manifests,
    update: (fn) =>
      withLock(join(paths.locks, "index.lock"), async () => {
        const doc = await load();
        const before = JSON.stringify(doc.manifests);
        const result = await fn(doc.manifests);
        if (JSON.stringify(doc.manifests) !== before) {
          const out: IndexFile = { ...doc, mediaType: doc.mediaType ?? MediaType.ociIndex };
          writeFileAtomicSync(paths.index, `${JSON.stringify(out, null, 2)}\n`);
        }
        return result;
      }),
  };
}

/** Records in memory, one update at a time. */
export function memoryRecords(initial: Descriptor[] = []): RecordStore {
  let entries: Descriptor[] = structuredClone(initial);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    read: async () => structuredClone(entries),
    update<T>(fn: (entries: Descriptor[]) => Promise<T> | T): Promise<T> {
      const run = queue.then(async () => {
        const work = structuredClone(entries);
        const result = await fn(work);
        entries = work;
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
