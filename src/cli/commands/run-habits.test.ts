import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImages } from "../../images/index.js";
import { makeImage as makeLocalImage } from "../../images/testing/fixtures.js";
import { validateRoot } from "../../images/testing/validate.js";
import { htpasswdAuthorizer } from "../../registry/auth/basic.js";
import { startTestRegistry, type TestRegistry } from "../../registry/testing/server.js";
import { createTransport } from "../../remote/index.js";
import { makeImage, pushImage } from "../../remote/testing/images.js";
import { main } from "../main.js";
import { runCli } from "../testing/capture.js";

/** What a Docker user sees from push, pull, run and create (issue 9). */
let root: string;
let open: TestRegistry;
let locked: TestRegistry;
const env = () => ({ ...process.env, DOCKER_CONFIG: join(root, "docker"), WHARF_INSECURE_REGISTRIES: "" });
const cli = (...argv: string[]) => runCli(argv, { root, env: env() });
const WARNING = (image: string) =>
  `WARNING: The requested image's platform (${image}) does not match the detected host platform (linux/amd64) and no specific platform was requested`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-cli-run-habits-"));
  await writeFile(join(root, "htpasswd"), `alice:${bcrypt.hashSync("s3cret", 4)}\n`);
  open = await startTestRegistry();
  locked = await startTestRegistry({
    authorizer: await htpasswdAuthorizer({ realm: "test", path: join(root, "htpasswd") }),
  });
});

afterAll(async () => {
  await open.close();
  await locked.close();
  await rm(root, { recursive: true, force: true });
});

describe("push without credentials", () => {
  it("says `no basic auth credentials`, as Docker, not the HTTP status of a HEAD", async () => {
    const images = await openImages(root);
    try {
      const img = await makeLocalImage(images.content, { layers: [["f", "push me"]] });
      await images.record({ name: `${locked.host}/app:1`, target: img.manifest });
    } finally {
      await images.close();
    }
    const r = await cli("push", `${locked.host}/app:1`);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `Error: no basic auth credentials\nHint: log in first: wharf login ${locked.host}\n`,
    );
  });
});

describe("run of an image that is nowhere", () => {
  it("prints Unable to find image, then the error, and no Pulling from", async () => {
    // Progress goes to the stderr stream, lines through err: both are caught here, in order.
    let stderr = "";
    const stream = new Writable({
      write(chunk, _enc, done) {
        stderr += chunk.toString();
        done();
      },
    });
    const status = await main(["run", "--rm", `${open.host}/nope:1`], {
      root,
      env: env(),
      out: () => {},
      err: (l = "") => {
        stderr += `${l}\n`;
      },
      stderr: Object.assign(stream, { isTTY: false }),
    });
    expect(status).toBe(125);
    expect(stderr).toMatch(new RegExp(`^Unable to find image '${open.host}/nope:1' locally\\nError: `));
    expect(stderr).not.toContain("Pulling from");
  });
});

describe("an image of another platform", () => {
  it.skipIf(process.arch !== "x64")("pull warns as Docker does and still pulls", async () => {
    const t = createTransport(open.host);
    try {
      const arm = await makeImage({ layers: [100], platform: { os: "linux", architecture: "arm64" } });
      await pushImage({ transport: t, path: "arm" }, arm, "1");
    } finally {
      t.close();
    }
    const r = await cli("pull", `${open.host}/arm:1`);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`${WARNING("linux/arm64")}\n`);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${open.host}/arm:1`);
    const asked = await cli("pull", "--platform", "linux/arm64", `${open.host}/arm:1`);
    expect(asked).toMatchObject({ status: 0, stderr: "" });
    expect(await validateRoot(root)).toMatchObject({ images: 2 });
  });

  it.skipIf(process.arch !== "x64")(
    "create (and run) warn as Docker does and still make the container",
    async () => {
      const images = await openImages(root);
      try {
        const img = await makeLocalImage(images.content, {
          layers: [["bin/sh", "not really a shell"]],
          platform: { os: "linux", architecture: "arm64", variant: "v8" },
        });
        await images.record({ name: "armed:1", target: img.manifest });
      } finally {
        await images.close();
      }
      const r = await cli("create", "--name", "armed", "armed:1");
      expect(r.stderr).toBe(`${WARNING("linux/arm64/v8")}\n`);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
      expect((await cli("rm", "armed")).status).toBe(0);
    },
  );
});

describe("rm -f and rmi -f of something missing", () => {
  it("say so on stderr and succeed, as Docker; without -f they fail", async () => {
    const rm = await cli("rm", "-f", "nosuch");
    expect(rm.status).toBe(0);
    expect(rm.stderr).toMatch(/^Error: No such container: nosuch\n/);
    expect((await cli("rm", "nosuch")).status).toBe(1);
    const rmi = await cli("rmi", "-f", "nosuch:1");
    expect(rmi.status).toBe(0);
    expect(rmi.stderr).toMatch(/^Error: No such image: nosuch:1\n/);
    expect((await cli("rmi", "nosuch:1")).status).toBe(1);
  });
});
