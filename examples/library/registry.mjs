// A registry in this process, with in-memory storage: start it, put an image in it, list its tags.
import { startRegistry } from "wharf";
import { publishHello } from "./publish.mjs";

const registry = await startRegistry(); // 127.0.0.1, a free port, memory storage
try {
  console.log(`registry at ${registry.url}`);
  const digest = await publishHello(`${registry.host}/demo/hello:1.0`);
  console.log(`pushed demo/hello:1.0 ${digest}`);
  const tags = await (await fetch(`${registry.url}/v2/demo/hello/tags/list`)).json();
  console.log(`tags: ${tags.tags.join(", ")}`);
} finally {
  await registry.close();
}
