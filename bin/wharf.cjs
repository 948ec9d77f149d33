"use strict";
// The CLI's entry (bin/wharf runs it). It compiles dist/bundle/main.js, or run.js for the verbs that
// start containers (bin/bundle.mjs), with a V8 code cache of the command's own: a command then
// neither parses the bundle nor compiles the functions it runs. A command's cache,
// dist/bundle/cache/<command>-<bundle file's identity>-<Node and flags>, is
// written after its first run (what V8 compiled for it), and again when this Node refuses it;
// nothing is written where the directory is read-only. Without a bundle it runs dist/cli (tsc's).
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

const dir = join(__dirname, "..", "dist", "bundle");
// bin/wharf puts `--` before the command's arguments: Node 20 reads `--env-file` anywhere on its
// command line, even after the script (`wharf run --env-file F` made Node itself read F, or end
// with status 9 and "node: F: not found" when there was none). The `--` is not the command's.
const ARGV = process.argv[2] === "--" ? process.argv.slice(3) : process.argv.slice(2);
// The verbs that start containers run from run.js, the CLI with only these commands (bin/bundle.mjs
// builds it from the same list): less to read, deserialize and set up before `run` starts a container.
const RUN_VERBS = ["run", "create", "start"];

/**
 * What V8 checks a cache against besides the source: this Node and its flags. Part of a cache's
 * name, so that runs with other flags (NODE_OPTIONS) keep caches of their own instead of each
 * refusing and rewriting the other's. FNV-1a: no crypto module to load for it.
 */
function runtimeKey() {
  const text = `${process.version} ${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

// The global options that take a value (cli/global-flags.ts's GLOBAL_VALUE_OPTIONS).
const VALUE_OPTIONS = [
  "--root",
  "--config",
  "--context",
  "-c",
  "--host",
  "-H",
  "--log-level",
  "-l",
  "--tlscacert",
  "--tlscert",
  "--tlskey",
];

/** The verb (or management group) a command line names: its first word that is not an option. */
function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (VALUE_OPTIONS.includes(a))
      i++; // its value
    else if (!a.startsWith("-")) return /^[a-z][a-z-]{0,31}$/.test(a) ? a : "other";
  }
  return "none";
}

/** The bundle's file, its text and its identity; undefined where it was not built. */
function readBundle(file) {
  try {
    // The file's identity names its caches: V8 checks only a cache's length of source, not its text.
    const st = statSync(file, { bigint: true });
    return { file, version: `${st.ino}-${st.size}-${st.mtimeNs}`, source: readFileSync(file, "latin1") };
  } catch (e) {
    if (e && e.code === "ENOENT") return undefined;
    throw e;
  }
}

function loadBundle() {
  const command = commandOf(ARGV);
  const bundle =
    (RUN_VERBS.includes(command) ? readBundle(join(dir, "run.js")) : undefined) ??
    readBundle(join(dir, "main.js"));
  if (bundle === undefined) return undefined;
  const { file, version, source } = bundle;
  const cacheDir = join(dir, "cache");
  const cacheFile = join(cacheDir, `${command}-${version}-${runtimeKey()}`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {}
  const script = new Script(source, { filename: file, cachedData });
  const mod = { exports: {} };
  // Its require resolves from the bundle's file: main.js loads registry.js beside it.
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dir);
  const saveCache = () => {
    if (cachedData !== undefined && script.cachedDataRejected !== true) return;
    // A run that took a rare path (it pulled, or failed) would make a cache that every usual run
    // loads and that lacks part of what they run (src/cli/code-cache.ts): the next run writes it.
    if (mod.exports.usualRun?.() === false) return;
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      mkdirSync(cacheDir, { recursive: true });
      // A read-only install: no cache, and no time spent serializing one.
      accessSync(cacheDir, constants.W_OK);
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {}
  };
  return { main: mod.exports.main, saveCache };
}

/**
 * libuv's thread pool for `wharf registry ...`: 16 threads unless UV_THREADPOOL_SIZE says otherwise
 * (read once, when the pool first starts: so here, before any of the command's file calls). A
 * registry's uploads write through the pool and its filesystem driver starts the disk's write-back
 * there too (an fdatasync holds a thread for its duration); with the default 4, write-backs had to
 * be one at a time. Distribution's filesystem driver allows 100 blocking calls at once
 * (`maxthreads`). Copy of 1 GiB between wharf's registries: 1.66 s median with 16 threads and four
 * write-backs at once, 1.78 s with 4 and one (12 alternating runs each; src/registry/README.md).
 */
function poolForRegistry() {
  if (commandOf(ARGV) === "registry" && process.env.UV_THREADPOOL_SIZE === undefined) {
    process.env.UV_THREADPOOL_SIZE = "16";
  }
}

async function start() {
  poolForRegistry();
  const loaded = loadBundle();
  const { main } = loaded ?? (await import("../dist/cli/main.js"));
  // Work that stopped without finishing (a promise that nothing will settle) would let the process
  // end with status 0 and no word, as if it had worked: said, and status 1.
  const unfinished = (code) => {
    if (code !== 0) return;
    process.stderr.write("Error: wharf stopped before the command finished: an internal error\n");
    process.stderr.write("Hint: run the command again (--debug shows where it stopped) and report it\n");
    process.exitCode = 1;
  };
  process.on("exit", unfinished);
  const status = await main(ARGV);
  process.off("exit", unfinished);
  loaded?.saveCache();
  process.exit(status);
}

start();
