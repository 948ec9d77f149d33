// dist/bundle/run.js, for bin/bundle.mjs: the CLI with only the verbs that start containers, and the
// modules that those verbs load with import() (the registry client and progress output for a pull,
// signature verification, tar code) kept out of the script's top level.
//
// Why: esbuild hoists every function of every ES module in a bundle to the bundle's top level, so a
// command pays at each start for all the code its script holds, used or not (a closure for each
// function, its part of the code cache to deserialize). The code of a CommonJS module stays inside
// the module's function instead, set up only when it is first required. So the lazily imported modules
// are bundled first into one CommonJS file (pass 2), whose imports of the modules that run.js holds
// anyway stay require()s of their files; run.js then takes that file as a CommonJS module in place of
// each import() (pass 3), and esbuild points those require()s at run.js's own instances of the
// modules: one copy of each module, as in main.js, and no file or loader of our own at run time.

import { rm } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";

/**
 * Builds run.js. `options` are esbuild's for the script (entry, outfile, banner, format, ...);
 * `plugins` narrow main.js's entry to the run verbs.
 */
export async function buildRunBundle(build, options, plugins) {
  const bundleDir = resolve(options.outfile, "..");
  const repo = resolve(bundleDir, "..", "..");
  // An import() of one of our modules, but not the command table's (run.js is for those commands)
  // nor the runtime's: the runtime loads its helpers on the way of usual runs (the default bridge
  // network's /etc files and checks), and with them in the CommonJS file a bridge run set up all of
  // it (40 and 60 alternating pairs: 2-4% slower on the bridge).
  // The runtime's resource checks and spec mapping (resources.js, resources-spec.js) are loaded only
  // by a container that asks for a limit, never on a usual run's way: they go in the CommonJS file.
  const runtime = join(repo, "dist", "runtime") + sep;
  // So is the spec mount of an image mount (image-mount.js), loaded only by a container with one.
  const offPath = (p) => /[/\\]runtime[/\\](resources(-spec)?|image-mount)\.js$/.test(p);
  const internal = (a) =>
    a.kind === "dynamic-import" &&
    a.path.startsWith(".") &&
    !a.importer.endsWith(join("cli", "table.js")) &&
    (!resolve(a.resolveDir, a.path).startsWith(runtime) || offPath(resolve(a.resolveDir, a.path)));
  // Pass 1: the script without the lazily imported modules, to learn which modules it holds.
  const core = await build({
    ...options,
    write: false,
    metafile: true,
    plugins: [
      ...plugins,
      {
        name: "lazy-apart",
        setup(b) {
          b.onResolve({ filter: /.*/ }, (a) =>
            internal(a) ? { path: resolve(a.resolveDir, a.path), external: true } : undefined,
          );
        },
      },
    ],
  });
  const held = new Set(Object.keys(core.metafile.inputs).map((k) => resolve(k)));
  const lazy = [
    ...Object.values(core.metafile.inputs).flatMap((i) =>
      i.imports.filter((x) => x.external && x.kind === "dynamic-import" && x.path.startsWith("/")),
    ),
  ]
    .map((x) => x.path)
    // One that the script holds anyway (a static import elsewhere) is imported from there.
    .filter((p, i, all) => all.indexOf(p) === i && !held.has(p))
    .sort();
  // Pass 2: the lazy modules as one CommonJS file; m<i>() sets up the i-th of them on first call.
  const chunk = join(bundleDir, ".run-lazy.cjs");
  await build({
    ...options,
    banner: {},
    footer: {},
    entryPoints: undefined,
    stdin: {
      contents: lazy.map((p, i) => `exports.m${i} = () => require(${JSON.stringify(p)});`).join("\n"),
      resolveDir: bundleDir,
      loader: "js",
    },
    outfile: chunk,
    plugins: [
      {
        name: "held-by-run-js",
        setup(b) {
          b.onResolve({ filter: /^[./]/ }, (a) => {
            const p = resolve(a.resolveDir, a.path);
            return held.has(p) ? { path: p, external: true } : undefined;
          });
        },
      },
    ],
  });
  // Pass 3: run.js, each import() of a lazy module answered from that file.
  try {
    await build({
      ...options,
      plugins: [
        ...plugins,
        {
          name: "lazy-from-chunk",
          setup(b) {
            b.onResolve({ filter: /.*/ }, (a) => {
              if (!internal(a)) return undefined;
              const p = resolve(a.resolveDir, a.path);
              // Named by the path from the repository: the name shows in the bundle.
              return lazy.includes(p) ? { path: relative(repo, p), namespace: "run-lazy" } : undefined;
            });
            b.onLoad({ filter: /.*/, namespace: "run-lazy" }, (a) => ({
              contents: `module.exports = require(${JSON.stringify(chunk)}).m${lazy.indexOf(resolve(repo, a.path))}();`,
              loader: "js",
              resolveDir: bundleDir,
            }));
          },
        },
      ],
    });
  } finally {
    await rm(chunk, { force: true });
  }
}
