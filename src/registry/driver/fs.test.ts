import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsDriver } from "./fs.js";
import { driverSuite } from "./testing/suite.js";

driverSuite("filesystem", {
  make: async () => {
    const root = await mkdtemp(join(tmpdir(), "wharf-fsdriver-"));
    return { driver: fsDriver({ root }), dispose: () => rm(root, { recursive: true, force: true }) };
  },
});
