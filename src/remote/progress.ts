import type { Digest } from "../digest/index.js";

/** What a blob is to the image: the CLI draws bars for layers and plain lines for the rest. */
export type BlobRole = "layer" | "config" | "manifest" | "index";

/**
 * Where one blob stands. Pull: waiting → downloading → verifying → complete, or exists.
 * Push: waiting → uploading → pushed, or exists (the registry had it), or mounted.
 */
export type BlobState =
  | "waiting"
  | "downloading"
  | "verifying"
  | "complete"
  | "exists"
  | "uploading"
  | "pushed"
  | "mounted";

export interface BlobProgress {
  type: "blob";
  /** Docker's short ID: the first 12 hex characters of the digest. */
  id: string;
  digest: Digest;
  role: BlobRole;
  state: BlobState;
  /** Bytes done (downloaded or uploaded, including a resumed part). */
  current: number;
  total: number;
  /** For `mounted`: the repository the blob was mounted from. */
  from?: string;
}

/** The reference was resolved (pull) or is about to be written (push). */
export interface ResolvedProgress {
  type: "resolved";
  /** The full reference, `localhost:5000/app:1.0`. */
  reference: string;
  digest: Digest;
  mediaType: string;
}

export type ProgressEvent = BlobProgress | ResolvedProgress;
export type ProgressListener = (e: ProgressEvent) => void;

/** Runs `fn` over `items` with at most `limit` at once; the first failure stops new starts. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  // The first failure in time is the one reported (those after it may only be its consequences).
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (e) {
        failure ??= { error: e };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return out;
}
