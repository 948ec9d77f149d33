// Bundles what tsc emitted into dist/bundle for the `wharf` command: main.js (the CLI), run.js (the
// CLI for the verbs that start containers), registry.js (`registry serve`), registry-gc.js,
// shim.js (the detached-container keeper) and dns-server.js (a user network's DNS server) and proxy-server.js
// (the port relay), each
// one CommonJS file with every dependency inside. bin/wharf.cjs compiles main.js with a V8 code
// cache of the command's own (made by its first run), so a command neither resolves ~130 modules
// nor compiles its code before it works.
// CommonJS, not ESM: Node starts a CommonJS entry ~3 ms sooner, and only a script (vm.Script) takes
// a code cache on Node 20. Commands stay lazy: esbuild turns each `import()` of a command into a
// function that runs the module's top level on first use.
// Run by `npm run build` after `tsc`; bin/wharf.cjs falls back to dist/cli when there is no bundle.

import { execFileSync } from "node:child_process";
import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { buildRunBundle } from "./bundle-run.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(repo, "dist", "bundle");
await rm(outdir, { recursive: true, force: true });
const common = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // The runtime finds the shim as ./shim.js beside its own module (import.meta.url): in a bundle,
  // beside the bundle's file.
  define: { "import.meta.url": "__wharfModuleUrl" },
  logLevel: "warning",
  // Whitespace and syntax only: names stay as written, so `--debug` stack traces read as the source.
  minifyWhitespace: true,
  minifySyntax: true,
};
// `wharf version` shows the commit and time the bundle was built from (src/cli/version.ts).
let commit = "";
try {
  commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
    cwd: repo,
    stdio: ["ignore", "pipe", "ignore"],
  })
    .toString()
    .trim();
} catch {
  // Not a git checkout: the commit stays unknown.
}
common.define = {
  ...common.define,
  __WHARF_GIT_COMMIT__: JSON.stringify(commit),
  __WHARF_BUILD_TIME__: JSON.stringify(new Date().toISOString()),
};
const moduleUrl = 'var __wharfModuleUrl = require("node:url").pathToFileURL(__filename).href;';
// The registry's verbs (the registry, its YAML config, bcrypt, JWTs, the S3 client, Redis: most of
// the code) are bundles of their own, which main.js loads only for those commands: every other
// command's script stays small (its parse and code cache scale with the file).
const APART = [
  ["registry-serve", "registry.js"],
  ["registry-garbage-collect", "registry-gc.js"],
];
const registryApart = {
  name: "registry-apart",
  setup(b) {
    for (const [name, out] of APART) {
      b.onResolve({ filter: new RegExp(`/commands/${name}\\.js$`) }, () => ({
        path: `./${out}`,
        external: true,
      }));
    }
  },
};
// The verbs that start containers (bin/wharf.cjs's RUN_VERBS: the same list) get a script of their
// own, run.js: the CLI's core with only these commands. A command pays for the size of its script
// on every start (the read, the code cache, a closure for each top-level function of the bundle),
// and `run` is the command whose start-up is measured against podman's (bench/run.sh).
const RUN_VERBS = ["run", "create", "start"];
/** In run.js, the other verbs of the command table (src/cli/table.ts) are left out. */
const onlyRunVerbs = {
  name: "only-run-verbs",
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (a) => {
      if (!a.importer.endsWith(join("dist", "cli", "table.js"))) return undefined;
      const verb = a.path.slice("./commands/".length, -".js".length);
      return RUN_VERBS.includes(verb) ? undefined : { path: verb, namespace: "not-in-run-bundle" };
    });
    // bin/wharf.cjs loads run.js only for RUN_VERBS, whose table entries are the ones kept, so this
    // is never reached; if the two lists ever disagree, the command fails loudly rather than oddly.
    b.onLoad({ filter: /.*/, namespace: "not-in-run-bundle" }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`wharf: '${a.path}' is not in dist/bundle/run.js (bin/wharf.cjs's RUN_VERBS and bin/bundle.mjs's must agree)`)});`,
      loader: "js",
    }));
  },
};
// main.js and run.js are each the body of a CommonJS wrapper function that bin/wharf.cjs compiles
// as it is (no copy of the source to wrap it), with the cache.
const script = (out) => ({
  ...common,
  // require() for it, not import(): a vm.Script has no module loader for import().
  supported: { "dynamic-import": false },
  entryPoints: [join(repo, "dist/cli/main.js")],
  outfile: join(outdir, out),
  banner: { js: `(function (exports, require, module, __filename, __dirname) {"use strict";${moduleUrl}` },
  footer: { js: "\n})" },
});
await build({ ...script("main.js"), plugins: [registryApart] });
await buildRunBundle(build, script("run.js"), [registryApart, onlyRunVerbs]);
for (const [entry, out] of [
  ...APART.map(([name, file]) => [`dist/cli/commands/${name}.js`, file]),
  ["dist/runtime/shim.js", "shim.js"],
  // A user network's DNS server (src/runtime/network/dns.ts finds it beside the bundle).
  ["dist/runtime/network/dns-server.js", "dns-server.js"],
  // The root's port relay for published ports' IPv6 side (src/runtime/network/proxy.ts).
  ["dist/runtime/network/proxy-server.js", "proxy-server.js"],
]) {
  await build({
    ...common,
    entryPoints: [join(repo, entry)],
    outfile: join(outdir, out),
    banner: { js: moduleUrl },
  });
}
// The detached container's keeper is started through a loader that compiles shim.js with a code
// cache of its own (bin/shim-loader.cjs; src/runtime/lifecycle.ts starts it when it is there).
await copyFile(join(repo, "bin", "shim-loader.cjs"), join(outdir, "shim-loader.cjs"));
// The loaders read main.js, run.js and shim.js as latin1 (no UTF-8 decoding): they must be ASCII.
for (const out of ["main.js", "run.js", "shim.js"]) {
  const text = await readFile(join(outdir, out));
  const at = text.findIndex((b) => b > 0x7f);
  if (at >= 0) {
    const line = text.subarray(0, at).toString("latin1").split("\n").length;
    throw new Error(
      `dist/bundle/${out} has a non-ASCII byte on line ${line}: write it as a \\u escape in src/`,
    );
  }
}
// The package is "type": "module"; these .js files are CommonJS.
await writeFile(join(outdir, "package.json"), '{ "type": "commonjs" }\n');
