"use strict";
// The detached container's keeper (`run -d`, `start`: src/runtime/shim.ts, dist/bundle/shim.js),
// compiled with a V8 code cache as bin/wharf.cjs compiles the CLI. bin/bundle.mjs copies this file
// to dist/bundle/shim-loader.cjs, and the runtime starts the shim through it when it is there
// (src/runtime/lifecycle.ts). A `run -d` waits for its shim to start the container, so the shim's
// own start-up is part of the command's: compiling the 200 KB shim from source took ~12 ms of CPU.
// The cache, dist/bundle/cache/shim-<shim.js's identity>-<Node and flags>, is written when a shim
// that had none (or whose cache this Node refused) exits, so it holds what a whole keeper's life
// compiled; nothing is written where the directory is read-only. shim.js stays a script of its own:
// `node dist/bundle/shim.js ARGS` runs the same keeper without a cache.
const {
  accessSync,
  constants,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const file = join(__dirname, "shim.js");

/** This Node and its flags, which V8 checks a cache against (bin/wharf.cjs's runtimeKey). */
function runtimeKey() {
  const text = `${process.version} ${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

// The file's identity names its cache: V8 checks only a cache's length of source, not its text.
const st = statSync(file, { bigint: true });
const cacheDir = join(__dirname, "cache");
const cacheFile = join(cacheDir, `shim-${st.ino}-${st.size}-${st.mtimeNs}-${runtimeKey()}`);
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
// shim.js is ASCII (bin/bundle.mjs checks it): read as latin1, no UTF-8 decoding.
const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "latin1")}\n})`;
const script = new Script(source, { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected === true) {
  process.once("exit", () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      mkdirSync(cacheDir, { recursive: true });
      accessSync(cacheDir, constants.W_OK);
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {}
  });
}
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, __dirname);
