import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shortHex } from "../../digest/index.js";
import { validateRegistry, validateRoot } from "../../images/testing/validate.js";
import { hostPlatform } from "../../oci/index.js";
import { startTestRegistry, type TestRegistry } from "../../registry/testing/server.js";
import { createTransport, type Transport } from "../../remote/index.js";
import { makeImage, pushImage, type TestImage } from "../../remote/testing/images.js";
import { main } from "../main.js";
import { runCli } from "../testing/capture.js";

let root: string;
let registry: TestRegistry;
let image: TestImage;
let other: TestImage;
const cli = (...argv: string[]) =>
  runCli(argv, { root, env: { ...process.env, DOCKER_CONFIG: join(root, "docker") } });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-cli-images-"));
  registry = await startTestRegistry();
  const t = createTransport(registry.host);
  try {
    image = await makeImage({ layers: [3000, 5000], platform: hostPlatform() });
    other = await makeImage({ layers: [1000], platform: hostPlatform() });
    await pushImage({ transport: t, path: "app" }, image, "1.0");
    await pushImage({ transport: t, path: "app" }, image, "latest");
    await pushImage({ transport: t, path: "tools" }, other, "x");
    await validateRegistry({ transport: t, path: "app" }, "1.0");
    await validateRegistry({ transport: t, path: "tools" }, "x");
  } finally {
    t.close();
  }
});

/** Runs `fn` with a repository handle on the test registry (its path to be set). */
async function onRegistry<T>(fn: (r: { transport: Transport; path: string }) => Promise<T>): Promise<T> {
  const transport = createTransport(registry.host);
  try {
    return await fn({ transport, path: "" });
  } finally {
    transport.close();
  }
}

afterAll(async () => {
  await registry.close();
  // Retried: CI once saw ENOTEMPTY here (a write into the root still ending as the test ended).
  await rm(root, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
});

describe("pull", () => {
  it("prints Docker's lines and the full reference", async () => {
    const r = await cli("pull", `${registry.host}/app`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [l1, l2] = image.layers.map((l) => shortHex(l.desc.digest));
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 2)).toEqual(["Using default tag: latest", "latest: Pulling from app"]);
    expect(lines).toContain(`${l1}: Pulling fs layer`);
    expect(lines).toContain(`${l2}: Pull complete`);
    expect(lines.slice(-3)).toEqual([
      `Digest: ${image.manifest.desc.digest}`,
      `Status: Downloaded newer image for ${registry.host}/app:latest`,
      `${registry.host}/app:latest`,
    ]);
    await validateRoot(root);
  });

  it("prints no layer lines for an image up to date, as Docker", async () => {
    const again = await cli("pull", `${registry.host}/app:latest`);
    expect(again.stdout.split("\n")).toEqual([
      "latest: Pulling from app",
      `Digest: ${image.manifest.desc.digest}`,
      `Status: Image is up to date for ${registry.host}/app:latest`,
      `${registry.host}/app:latest`,
      "",
    ]);
    const other = await cli("pull", "-q", `${registry.host}/app:1.0`);
    expect(other).toMatchObject({ status: 0, stdout: `${registry.host}/app:1.0\n` });
    await validateRoot(root);
  });

  it("reports the layers present as Already exists, without Pulling fs layer first", async () => {
    const [l1, l2] = image.layers.map((l) => l.desc.digest);
    // the store loses a layer (as if another image's removal had taken it)
    await rm(join(root, "store", "blobs", "sha256", l2!.slice("sha256:".length)));
    const r = await cli("pull", `${registry.host}/app:latest`);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "latest: Pulling from app",
      `${shortHex(l1!)}: Already exists`,
      `${shortHex(l2!)}: Pulling fs layer`,
    ]);
    expect(lines.filter((l) => l.startsWith(shortHex(l1!)))).toEqual([`${shortHex(l1!)}: Already exists`]);
    expect(lines).toContain(`${shortHex(l2!)}: Pull complete`);
    await validateRoot(root);
  });

  it("-a pulls every tag of the repository", async () => {
    const r = await cli("pull", "-a", `${registry.host}/tools`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("x: Pulling from tools");
    expect(r.stdout.trimEnd().split("\n").slice(-2)).toEqual([
      `Status: Downloaded newer image for ${registry.host}/tools`,
      `${registry.host}/tools`,
    ]);
    await validateRoot(root);
  });

  it("fails with one line and a hint for a missing tag", async () => {
    const r = await cli("pull", `${registry.host}/app:nope`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^Error: .+\n/);
  });
});

describe("images, tag, inspect, history", () => {
  it("lists images in Docker's table, newest first, one row per tag", async () => {
    const r = await cli("images");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    const id = shortHex(image.config.desc.digest);
    expect(lines.filter((l) => l.includes(id))).toHaveLength(2);
    expect(lines.some((l) => l.startsWith(`${registry.host}/app`) && l.includes(" 1.0 "))).toBe(true);
  });

  it("--format, -q, --no-trunc, --digests and filters", async () => {
    const fmt = await cli(
      "images",
      "--format",
      "{{.Repository}}:{{.Tag}} {{.ID}}",
      "--filter",
      "reference=*/app:1.0",
    );
    expect(fmt.stdout).toBe(`${registry.host}/app:1.0 ${shortHex(image.config.desc.digest)}\n`);
    const q = await cli("images", "-q", "--no-trunc", `${registry.host}/tools`);
    expect(q.stdout).toBe(`${other.config.desc.digest}\n`);
    const d = await cli("images", "--digests", "--format", "{{.Digest}}", `${registry.host}/tools`);
    expect(d.stdout).toBe(`${other.manifest.desc.digest}\n`);
    const dangling = await cli("images", "-f", "dangling=true", "-q");
    expect(dangling.stdout).toBe("");
    const bad = await cli("images", "--filter", "colour=red");
    expect(bad.stderr).toContain("invalid filter 'colour'");
  });

  it("tags, and inspects with Docker's JSON shape and -f", async () => {
    expect((await cli("tag", `${registry.host}/app:1.0`, "mine:v1")).status).toBe(0);
    const r = await cli("inspect", "mine:v1");
    const [doc] = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      Id: image.config.desc.digest,
      Os: hostPlatform().os,
      Architecture: hostPlatform().architecture,
      RootFS: { Type: "layers" },
      Config: { Cmd: ["/bin/sh"] },
    });
    expect(doc.RepoTags).toContain("mine:v1");
    expect(r.stdout.split("\n")[1]).toBe("    {");
    const f = await cli(
      "image",
      "inspect",
      "-f",
      "{{.Id}} {{json .Config.Cmd}} {{len .RootFS.Layers}}",
      "mine:v1",
    );
    expect(f.stdout).toBe(`${image.config.desc.digest} ["/bin/sh"] 2\n`);
    const missing = await cli("inspect", "nope:1");
    expect(missing).toMatchObject({ status: 1, stdout: "[]\n", stderr: "Error: No such object: nope:1\n" });
    const typed = await cli("image", "inspect", "-f", "{{.Id}}", "mine:v1", "nope:1");
    expect(typed).toMatchObject({ status: 1, stdout: `${image.config.desc.digest}\n` });
    expect(typed.stderr).toBe("Error: No such image: nope:1\n");
    const badType = await cli("inspect", "--type", "volume", "mine:v1");
    expect(badType.stderr).toContain("--type volume is not supported by wharf inspect");
    const unknown = await cli("inspect", "--type", "bogus", "x");
    expect(unknown.stderr).toContain('unknown type: "bogus": must be one of "config", "container", "image",');
    await validateRoot(root);
  });

  it("shows history with the image ID on top and <missing> below", async () => {
    const r = await cli("history", "mine:v1");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]?.startsWith(shortHex(image.config.desc.digest))).toBe(true);
    expect(lines[2]?.startsWith("<missing>")).toBe(true);
    // Docker's layer sizes: the files in the layer (5000 and 3000 bytes), not the gzipped blobs.
    const raw = await cli("history", "-H=false", "--format", "{{.Size}}", "mine:v1");
    expect(raw.stdout).toBe("5000\n3000\n");
  });
});

describe("push", () => {
  it("mounts layers from a repository it pulled from and prints the digest line", async () => {
    expect((await cli("tag", "mine:v1", `${registry.host}/copy:2.0`)).status).toBe(0);
    const r = await cli("push", `${registry.host}/copy:2.0`);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`The push refers to repository [${registry.host}/copy]`);
    expect(lines).toContain(`${shortHex(image.layers[0]!.desc.digest)}: Preparing`);
    expect(lines).toContain(`${shortHex(image.layers[0]!.desc.digest)}: Mounted from app`);
    expect(lines.at(-1)).toBe(`2.0: digest: ${image.manifest.desc.digest} size: ${image.manifest.desc.size}`);
    const again = await cli("push", `${registry.host}/copy:2.0`);
    expect(again.stdout).toContain(`${shortHex(image.layers[1]!.desc.digest)}: Layer already exists`);
    await validateRoot(root);
    await onRegistry((r) => validateRegistry({ ...r, path: "copy" }, "2.0"));
  });

  it("fails for a name that is not local", async () => {
    const r = await cli("push", `${registry.host}/none:1`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("An image does not exist locally with the tag");
  });
});

describe("rmi and image prune", () => {
  it("prune asks first and does nothing without a yes", async () => {
    let out = "";
    const io = {
      root,
      out: (l = "") => {
        out += `${l}\n`;
      },
      stdin: Object.assign(Readable.from(["n\n"]), { isTTY: false }),
      stdout: Object.assign(new (await import("node:stream")).PassThrough(), { isTTY: false }),
    };
    expect(await main(["image", "prune"], io)).toBe(0);
    expect(out).toBe("WARNING! This will remove all dangling images.\n");
  });

  it("untags, then deletes when the last name goes", async () => {
    const untag = await cli("rmi", "mine:v1");
    expect(untag).toMatchObject({ status: 0, stdout: "Untagged: mine:v1\n" });
    const r = await cli("rmi", `${registry.host}/tools:x`);
    expect(r.stdout).toContain(`Untagged: ${registry.host}/tools:x`);
    expect(r.stdout).toContain(`Deleted: ${other.config.desc.digest}`);
    const gone = await cli("rmi", "nope:1");
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain("No such image: nope:1");
    await validateRoot(root);
  });

  it("prune -a -f removes unused images and reports the space", async () => {
    const r = await cli("image", "prune", "-a", "-f");
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith("Deleted Images:\n")).toBe(true);
    expect(r.stdout).toContain(`deleted: ${image.config.desc.digest}`);
    expect(r.stdout).toMatch(/\n\nTotal reclaimed space: \d/);
    const empty = await cli("images", "-q");
    expect(empty.stdout).toBe("");
    const none = await cli("image", "prune", "-f");
    expect(none.stdout).toBe("Total reclaimed space: 0B\n");
  });
});
