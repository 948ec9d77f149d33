// `wharf registry serve` through bin/wharf, as users start it: Node runs with 1 MiB V8 semi-spaces
// (the young generation was ~35 MB of a replica's peak RSS while pushing; V8 reads the flag only at
// start-up, so bin/wharf passes it) and the registry serves.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Distribution, startConfiguredServer } from "../../src/registry/testing/distribution.js";
import { REPO_ROOT } from "./helpers/registries.js";

describe("bin/wharf registry serve", () => {
  let reg: Distribution;
  beforeAll(async () => {
    reg = await startConfiguredServer({
      prefix: "wharf-e2e-heap-",
      serve: (config) => ({
        command: join(REPO_ROOT, "bin", "wharf"),
        args: ["registry", "serve", "--config", config],
      }),
    });
  });
  afterAll(async () => {
    await reg?.close();
  });

  it("runs Node with 1 MiB semi-spaces and answers /v2/", async () => {
    const argv = readFileSync(`/proc/${reg.pid}/cmdline`, "utf8").split("\0");
    expect(argv.slice(0, 2)).toEqual(["node", "--max-semi-space-size=1"]);
    expect(argv).toContain("serve");
    const res = await fetch(`${reg.url}/v2/`);
    expect(res.status).toBe(200);
  });
});
