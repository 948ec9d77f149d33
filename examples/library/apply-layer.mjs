// Unpack an image's layer into a directory: every digest is verified while the bytes stream, and
// nothing is written outside the target (hostile names, whiteouts and symlinks are refused).
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyLayer, inspectImage, openImages, pull, startRegistry } from "wharf";
import { publishHello } from "./publish.mjs";

const registry = await startRegistry();
const root = await mkdtemp(join(tmpdir(), "wharf-root-"));
const target = await mkdtemp(join(tmpdir(), "wharf-rootfs-"));
try {
  const name = `${registry.host}/demo/hello:1.0`;
  await publishHello(name);
  const images = await openImages(root);
  try {
    const pulled = await pull(name, { store: images.content, images });
    const { RootFS } = await inspectImage(images, name);
    const { layers } = await readJson(images, pulled.manifest.digest);
    for (const [i, layer] of layers.entries()) {
      const result = await applyLayer(await images.content.read(layer.digest), {
        target,
        expect: { digest: layer.digest, size: layer.size, diffId: RootFS.Layers[i] },
      });
      console.log(`applied ${result.entries} entries, diff ID ${result.diffId}`);
    }
    console.log(`files: ${(await readdir(target)).join(", ")}`);
    process.stdout.write(`hello.txt: ${await readFile(join(target, "hello.txt"), "utf8")}`);
  } finally {
    await images.close();
  }
} finally {
  await registry.close();
  await rm(root, { recursive: true, force: true });
  await rm(target, { recursive: true, force: true });
}

/** A small document (the image manifest) from the store's content. */
async function readJson(images, digest) {
  const chunks = [];
  for await (const c of await images.content.read(digest)) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}
