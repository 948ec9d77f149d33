"use strict";
// The CLI's entry (bin/wharf runs it). It compiles dist/bundle/main.js (bin/bundle.mjs) with V8's
// code cache, dist/bundle/main.cache: a command then skips parsing and compiling the bundle. A
// cache that this Node refuses (another version) or that is missing is written anew after the
// command, when the directory is writable. Without a bundle it runs what tsc emitted (dist/cli).
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const dir = join(__dirname, "..", "dist", "bundle");
const file = join(dir, "main.js");

function loadBundle() {
  let source;
  try {
    source = readFileSync(file, "latin1");
  } catch (e) {
    if (e && e.code === "ENOENT") return undefined;
    throw e;
  }
  const cacheFile = join(dir, "main.cache");
  let cachedData;
  if (process.env.WHARF_CODE_CACHE !== "write") {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {}
  }
  const script = new Script(source, {
    filename: file,
    cachedData,
  });
  const mod = { exports: {} };
  // Its require resolves from main.js: it loads registry.js beside it.
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dir);
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  const saveCache = () => {
    if (!stale) return;
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {}
  };
  return { main: mod.exports.main, saveCache };
}

async function start() {
  const loaded = loadBundle();
  const { main } = loaded ?? (await import("../dist/cli/main.js"));
  const status = await main(process.argv.slice(2));
  loaded?.saveCache();
  process.exit(status);
}

start();
