/**
 * `manifest push LIST` (`-p/--purge`, `--insecure`): sends a local list to its registry as the
 * docker CLI does: an image of another repository has its blobs mounted from there and its
 * manifest put by digest, then the list (manifest-lists.ts's bytes) under its tag; the
 * list's digest printed. `--purge` forgets the local list once it is pushed.
 */
import { type Digest, digestOf } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import type { Descriptor } from "../../oci/index.js";
import { formatReference } from "../../reference/index.js";
import { fetchBlob, openRepository, putManifest, statBlob, uploadBlob } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import { manifestTransport } from "./manifest-inspect.js";
import {
  type ImageManifestEntry,
  listBytes,
  manifestsDir,
  readList,
  refName,
  removeList,
} from "./manifest-lists.js";
import { INSECURE_FLAG } from "./registry-options.js";

/** The blobs an image manifest names: its config and layers. */
function blobsOf(e: ImageManifestEntry): Pick<Descriptor, "digest" | "size">[] {
  const m = (e.OCIManifest ?? e.SchemaV2Manifest) as { config: Descriptor; layers: Descriptor[] };
  return [m.config, ...m.layers];
}

export const command: Command = {
  path: ["manifest", "push"],
  usage: "[OPTIONS] MANIFEST_LIST",
  description: "Push a manifest list to a repository",
  flags: [
    { name: "insecure", type: "bool", description: "Allow push to an insecure registry" },
    INSECURE_FLAG,
    { name: "purge", short: "p", type: "bool", description: "Remove the local manifest list after push" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const { ref, name } = refName(f.args[0] as string);
    const entries = readList(manifestsDir(ctx), name);
    if (!entries) {
      throw new WharfError("manifest-unknown", `No such manifest: ${name}`, {
        hint: `make it first: wharf manifest create ${name} IMAGE...`,
      });
    }
    if (entries.length === 0) throw new WharfError("manifest-unknown", `${name} not found`);
    // The list is checked whole before anything is sent, in the docker CLI's order and words.
    for (const e of entries) {
      const p = e.Descriptor.platform as { architecture?: string; os?: string } | undefined;
      if (!p?.architecture || !p.os) {
        throw new WharfError(
          "invalid-argument",
          `manifest ${e.Ref} must have an OS and Architecture to be pushed to a registry`,
          { hint: `give it one: wharf manifest annotate --os linux --arch amd64 ${name} ${e.Ref}` },
        );
      }
      const domain = refName(e.Ref).ref.domain;
      if (domain !== ref.domain) {
        throw new WharfError(
          "invalid-argument",
          `cannot use source images from a different registry than the target image: ${domain} != ${ref.domain}`,
          { hint: "the images of a list must be in the registry the list is pushed to" },
        );
      }
    }
    const target = openRepository(ref, manifestTransport(ctx, f, ref.domain));
    for (const e of entries) {
      const src = refName(e.Ref).ref;
      // An image of the list's own repository is there already; another repository's is brought
      // over: its blobs mounted (copied when refused), its manifest put by digest (as Docker's).
      if (src.path === ref.path) continue;
      const from = openRepository(src, manifestTransport(ctx, f, src.domain));
      for (const b of blobsOf(e)) {
        if ((await statBlob(target, b.digest)) !== undefined) continue;
        await uploadBlob(target, b, () => fetchBlob(from, b), { mountFrom: src.path });
      }
      const raw = Buffer.from(e.Raw, "base64");
      const d = await putManifest(target, e.Descriptor.digest as Digest, {
        bytes: raw,
        mediaType: e.Descriptor.mediaType,
      });
      ctx.out(
        `Pushed ref ${formatReference({ domain: ref.domain, path: ref.path, digest: d })} with digest: ${d}`,
      );
    }
    const list = listBytes(entries.map((e) => e.Descriptor));
    // A list named by digest (the docker CLI takes one) is put under its own digest, untagged.
    const digest = await putManifest(target, ref.tag ?? digestOf(list.bytes), list);
    ctx.out(digest);
    if (flag.bool(f, "purge")) removeList(manifestsDir(ctx), name);
    return 0;
  },
};
