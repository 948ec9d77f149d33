// Bundles what tsc emitted into dist/bundle: one file per entry (the CLI, the detached shim) and
// shared chunks, all in one directory. Node then reads a handful of files at start-up instead of
// resolving and compiling ~130 modules one by one (about 100 ms of every `wharf` command here).
// The commands stay lazily imported (code splitting), so `run` does not load the registry server.
// Run by `npm run build` after `tsc`; bin/wharf.js falls back to dist/cli when there is no bundle.
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(repo, "dist", "bundle");
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(repo, "dist/cli/main.js"), join(repo, "dist/runtime/shim.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The runtime finds the shim as ./shim.js beside its own module: keep every output in one dir.
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  // CommonJS dependencies (tar-stream) call require() for Node's built-ins.
  banner: {
    js: 'import { createRequire as __wharfRequire } from "node:module"; const require = __wharfRequire(import.meta.url);',
  },
  logLevel: "warning",
});
