import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../../src/registry/serve/testing/cli.js";
import { freePort } from "../../src/registry/testing/distribution.js";
import { REPO_ROOT } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";

const exec = promisify(execFile);

/** The README's first command: the offline hello-world walkthrough, on a fresh wharf root. */
describe("examples/hello-world/run.sh", () => {
  let root: string;

  beforeAll(async () => {
    await ensureBuilt();
    root = await mkdtemp(join(tmpdir(), "wharf-e2e-hello-"));
  });
  afterAll(async () => {
    await exec(join(REPO_ROOT, "bin", "wharf"), ["--root", root, "container", "prune", "-f"]).catch(() => {});
    await rm(root, { recursive: true, force: true });
  });

  it("publishes the image, runs it (pulled on the way), then lists the image and the exited container", async () => {
    const port = await freePort();
    const { stdout, stderr } = await exec(join(REPO_ROOT, "examples", "hello-world", "run.sh"), [], {
      env: { ...process.env, WHARF_ROOT: root, HELLO_PORT: String(port) },
      timeout: 120_000,
    });
    const image = `localhost:${port}/hello-world`;
    expect(stderr).toContain(`Unable to find image '${image}:latest' locally`);
    expect(stderr).toMatch(/Digest: sha256:[0-9a-f]{64}/);
    expect(stderr).toContain(`Status: Downloaded newer image for ${image}:latest`);
    expect(stdout).toContain("Hello from wharf!");
    expect(stdout).toMatch(new RegExp(`${image}\\s+latest\\s+[0-9a-f]{12}\\s`));
    expect(stdout).toMatch(/[0-9a-f]{12}\s+localhost:\d+\/hello-world\s+"\/hello"\s+.*Exited \(0\)/);
    // The registry the script started is gone with it.
    await expect(exec("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`])).rejects.toThrow();
    expect(await validateRoot(root)).toMatchObject({ images: 1 });
  }, 180_000);
});
