// Pull an image into a local store (an OCI image layout under a wharf root), then inspect it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { imageHistory, inspectImage, listImages, openImages, pull, startRegistry } from "wharf";
import { publishHello } from "./publish.mjs";

const registry = await startRegistry();
const root = await mkdtemp(join(tmpdir(), "wharf-root-"));
try {
  const name = `${registry.host}/demo/hello:1.0`;
  await publishHello(name);

  const images = await openImages(root); // <root>/store: blobs and names
  try {
    const pulled = await pull(name, { store: images.content, images });
    console.log(`pulled ${pulled.repoDigest}`);

    const info = await inspectImage(images, name); // the shape of `docker image inspect`
    console.log(`Id ${info.Id}`);
    console.log(
      `Cmd ${JSON.stringify(info.Config.Cmd)}, ${info.Os}/${info.Architecture}, ${info.RootFS.Layers.length} layer`,
    );
    for (const h of await imageHistory(images, name)) console.log(`history: ${h.CreatedBy}`);
    for (const i of await listImages(images)) console.log(`listed: ${i.repoTags.join(", ")}`);
  } finally {
    await images.close();
  }
} finally {
  await registry.close();
  await rm(root, { recursive: true, force: true });
}
