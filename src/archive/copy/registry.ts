import type { Digest } from "../../digest/index.js";
import type { Reference } from "../../reference/index.js";
import {
  COSIGN_SIG_ARTIFACT,
  copySigstoreSignatures,
  descriptorOf,
  type FetchedManifest,
  fetchAttachmentSignatures,
  fetchBlob,
  fetchManifest,
  listReferrers,
  listTags,
  openRepository,
  type PullOptions,
  pushScope,
  putManifest,
  putReferrers,
  type Repository,
  statBlob,
  type TransportOptions,
  uploadBlob,
} from "../../remote/index.js";
import type { CopiedTop, CopyDestination, CopySource } from "./types.js";

/**
 * A registry repository read as a copy source (`docker://REF`): the tag or digest resolved once, and
 * `verify` (the signature policy) run on what it names before the source is handed to the copy loop,
 * so a refused image opens no destination.
 */
export async function registrySource(
  ref: Reference,
  opts: TransportOptions,
  verify?: PullOptions["verify"],
): Promise<CopySource> {
  const repo = openRepository(ref, opts);
  try {
    const fetched = new Map<Digest, FetchedManifest>();
    const top = await fetchManifest(repo, ref.digest ?? ref.tag ?? "latest");
    fetched.set(top.digest, top);
    await verify?.({ top: descriptorOf(top), image: descriptorOf(top), reference: ref, repo });
    return {
      root: descriptorOf(top),
      readDocument: async (d) => {
        const f = fetched.get(d.digest) ?? (await fetchManifest(repo, d.digest));
        fetched.set(d.digest, f);
        return f.bytes;
      },
      openBlob: (d) => fetchBlob(repo, d),
      referrers: (d) => listReferrers(repo, d.digest),
      attachedSignatures: (d) => fetchAttachmentSignatures(repo, d.digest),
      close: async () => repo.transport.close(),
    };
  } catch (e) {
    repo.transport.close();
    throw e;
  }
}

/** A registry repository as a copy destination: HEAD first, one streamed upload, the top under the tag. */
export function registryDestination(ref: Reference, opts: TransportOptions): CopyDestination {
  const repo: Repository = openRepository(ref, opts);
  return {
    concurrency: 5,
    hasBlob: async (d) => (await statBlob(repo, d.digest, [pushScope(repo.path)])) !== undefined,
    putBlob: async (d, body) => {
      let used = false;
      await uploadBlob(
        repo,
        d,
        () => {
          // The body can be read once: a retried upload would need it again.
          if (used) throw new Error("the upload cannot be retried from a one-pass source");
          used = true;
          return body;
        },
        { attempts: 1 },
      );
    },
    putDocument: async (d, bytes, mediaType) => {
      await putManifest(repo, d.digest, { bytes, mediaType });
    },
    finish: async (top: CopiedTop, mediaType, referrers) => {
      await putManifest(repo, ref.digest ?? ref.tag ?? "latest", { bytes: top.bytes, mediaType });
      if (referrers.length === 0) return;
      // Found through the referrers API or, without it, the tag schema's index; sigstore signatures
      // also written at cosign's attachment tag, where podman, skopeo and cosign look.
      await putReferrers(repo, [...referrers]);
      const copied = [top.desc, ...top.manifests.map((m) => m.desc)];
      const signed = new Set(
        referrers.filter((r) => r.desc.artifactType === COSIGN_SIG_ARTIFACT).map((r) => r.subject),
      );
      for (const d of copied) if (signed.has(d.digest)) await copySigstoreSignatures(repo, repo, d);
    },
    close: async () => repo.transport.close(),
  };
}

/** The tags of a registry repository (for `--sync`); none when the repository does not exist. */
export async function registryTags(ref: Reference, opts: TransportOptions): Promise<string[]> {
  const repo = openRepository(ref, opts);
  try {
    return await listTags(repo);
  } catch (e) {
    if ((e as { code?: string }).code === "name-unknown" || (e as { code?: string }).code === "not-found")
      return [];
    throw e;
  } finally {
    repo.transport.close();
  }
}
