import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fsDriver } from "./fs.js";
import { driverSuite } from "./testing/suite.js";

let root = "";
driverSuite("filesystem", {
  make: async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-fsdriver-"));
    const dir = root;
    return { driver: fsDriver({ root: dir }), dispose: () => rm(dir, { recursive: true, force: true }) };
  },
  // A sparse file: its size without its bytes.
  sparseFile: async (_driver, path, size) => {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, "");
    await truncate(file, size);
  },
});
