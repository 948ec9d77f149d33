import { openFsContentStore } from "../fs-store.js";

/**
 * A child process for tests: ingests `ref` under `root`, writes `count` chunks of `size` bytes of
 * `fill`, reports "written" on stdout, then waits forever (the test kills it).
 */
const [root, ref, count, size, fill] = process.argv.slice(2);
const store = await openFsContentStore(root as string);
const w = await store.ingest(ref as string);
for (let i = 0; i < Number(count); i++) await w.write(Buffer.alloc(Number(size), Number(fill)));
process.stdout.write("written\n");
setInterval(() => {}, 1000);
