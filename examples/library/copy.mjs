// Copy an image from one registry to another, with no local store: each blob the destination
// lacks is streamed once from the source, verified on the way.
import { copyImage, startRegistry } from "wharf";
import { publishHello } from "./publish.mjs";

const [from, to] = await Promise.all([startRegistry(), startRegistry()]);
try {
  const digest = await publishHello(`${from.host}/demo/hello:1.0`);
  const copied = await copyImage(`${from.host}/demo/hello:1.0`, `${to.host}/mirror/hello:1.0`, {
    onProgress: (e) => {
      if (e.type === "blob") console.log(`${e.id}: ${e.state}`);
    },
  });
  console.log(`copied ${copied.digest} (${copied.digest === digest ? "same digest" : "DIFFERENT digest"})`);
} finally {
  await Promise.all([from.close(), to.close()]);
}
