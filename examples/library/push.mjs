// Tag a local image under another name and push it: only the blobs the registry lacks are sent,
// and a blob the registry holds in another repository is mounted from there instead of uploaded.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openImages, pull, push, startRegistry, tagImage } from "wharf";
import { publishHello } from "./publish.mjs";

const registry = await startRegistry();
const root = await mkdtemp(join(tmpdir(), "wharf-root-"));
try {
  const source = `${registry.host}/demo/hello:1.0`;
  const target = `${registry.host}/team/hello:stable`;
  await publishHello(source);
  const images = await openImages(root);
  try {
    await pull(source, { store: images.content, images });
    await tagImage(images, source, target);
    const pushed = await push(target, {
      store: images.content,
      images,
      mountFrom: () => "demo/hello", // where this registry already holds the blobs
      onProgress: (e) => {
        if (e.type === "blob" && ["pushed", "exists", "mounted"].includes(e.state))
          console.log(`${e.id}: ${e.state}`);
      },
    });
    console.log(`${pushed.tag}: digest: ${pushed.digest} size: ${pushed.size}`);
  } finally {
    await images.close();
  }
} finally {
  await registry.close();
  await rm(root, { recursive: true, force: true });
}
