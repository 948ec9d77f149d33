#!/usr/bin/env node
// Assembles the hello-world image (what `FROM scratch` + `COPY hello /` + `CMD ["/hello"]` in this
// folder's Dockerfile describes) and pushes it to a registry with wharf's own client, until
// `wharf build` exists. Usage: publish.mjs REGISTRY_HOST[:PORT]/NAME[:TAG] PATH_TO_HELLO_BINARY
import { readFileSync } from "node:fs";
import { publishImage } from "../lib/publish-image.mjs";

const [target, binary] = process.argv.slice(2);
if (!target || !binary) {
  console.error("usage: publish.mjs REGISTRY/NAME[:TAG] PATH_TO_HELLO_BINARY");
  process.exit(2);
}
const { name, digest, size } = await publishImage(target, {
  entries: [{ name: "hello", mode: 0o755, content: readFileSync(binary) }],
  config: { Cmd: ["/hello"] },
  createdBy: "COPY hello / # buildkit",
  history: [{ created_by: 'CMD ["/hello"]', empty_layer: true }],
});
console.log(`${name}: digest: ${digest} size: ${size}`);
