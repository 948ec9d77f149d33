// Shared by the examples: puts a one-layer image into a registry with the client's blob and
// manifest calls (what a build tool would do), so that each example has something to work on.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  digestOf,
  MediaType,
  openRepository,
  parseReference,
  putManifest,
  uploadBlob,
  writeTar,
} from "wharf";

/** Pushes `NAME` (a reference on a running registry) holding /hello.txt; returns the manifest digest. */
export async function publishHello(name, text = "hello from a wharf library example\n") {
  const dir = await mkdtemp(join(tmpdir(), "wharf-example-"));
  try {
    await writeFile(join(dir, "hello.txt"), text);
    // A layer is a tar of a tree; writeTar streams it (deterministic: sorted, fixed times).
    const chunks = [];
    for await (const c of writeTar(dir, { mtime: new Date("2026-01-01T00:00:00Z") })) chunks.push(c);
    const tar = Buffer.concat(chunks);
    const layer = gzipSync(tar);
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        created: "2026-01-01T00:00:00Z",
        config: { Cmd: ["cat", "/hello.txt"] },
        rootfs: { type: "layers", diff_ids: [digestOf(tar)] },
        history: [{ created: "2026-01-01T00:00:00Z", created_by: "COPY hello.txt / # buildkit" }],
      }),
    );
    const ref = parseReference(name);
    const repo = openRepository(ref);
    try {
      const blob = (bytes) => ({ digest: digestOf(bytes), size: bytes.byteLength });
      await uploadBlob(repo, blob(layer), () => [layer]);
      await uploadBlob(repo, blob(config), () => [config]);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          config: { mediaType: MediaType.ociConfig, ...blob(config) },
          layers: [{ mediaType: MediaType.ociLayerGzip, ...blob(layer) }],
        }),
      );
      return await putManifest(repo, ref.tag ?? "latest", {
        bytes: manifest,
        mediaType: MediaType.ociManifest,
      });
    } finally {
      repo.transport.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
