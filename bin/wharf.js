#!/usr/bin/env node
// dist/bundle (bin/bundle.mjs, part of `npm run build`) when it is there, else what tsc emitted.
let mod;
try {
  mod = await import("../dist/bundle/main.js");
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("dist/bundle/main.js")) throw e;
  mod = await import("../dist/cli/main.js");
}
const status = await mod.main(process.argv.slice(2));
process.exit(status);
