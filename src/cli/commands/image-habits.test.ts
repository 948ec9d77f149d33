import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRoot } from "../../images/testing/validate.js";
import { hostPlatform } from "../../oci/index.js";
import { startTestRegistry, type TestRegistry } from "../../registry/testing/server.js";
import { createTransport } from "../../remote/index.js";
import { makeImage, pushImage, type TestImage } from "../../remote/testing/images.js";
import { runCli } from "../testing/capture.js";
import { layerSizesFile } from "./layer-sizes.js";

/** What a Docker user expects of `images`, `inspect` and `history` (issue 9). */
let root: string;
let registry: TestRegistry;
let image: TestImage;
const cli = (...argv: string[]) =>
  runCli(argv, { root, env: { ...process.env, DOCKER_CONFIG: join(root, "docker") } });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-cli-habits-"));
  registry = await startTestRegistry();
  const t = createTransport(registry.host);
  try {
    image = await makeImage({ layers: [3000, 5000], platform: hostPlatform() });
    await pushImage({ transport: t, path: "app" }, image, "1");
    // The same image in another repository, pulled by digest only: a digest reference, no tag.
    await pushImage({ transport: t, path: "mirror" }, image);
  } finally {
    t.close();
  }
  expect((await cli("pull", "-q", `${registry.host}/app:1`)).status).toBe(0);
  expect((await cli("pull", "-q", `${registry.host}/mirror@${image.manifest.desc.digest}`)).status).toBe(0);
  expect(await validateRoot(root)).toMatchObject({ images: 1 });
});

afterAll(async () => {
  await registry.close();
  // Retried: a loaded CI host once saw ENOTEMPTY here (a file created while the tree was removed).
  await rm(root, { recursive: true, force: true, maxRetries: 5 });
});

describe("images REPO and --filter reference", () => {
  it("list only the repository asked for, not another one's digest reference as <none>", async () => {
    const fmt = "{{.Repository}} {{.Tag}}";
    const byArg = await cli("images", "--format", fmt, `${registry.host}/app`);
    expect(byArg.stdout).toBe(`${registry.host}/app 1\n`);
    const byFilter = await cli("images", "--format", fmt, "--filter", "reference=*/app");
    expect(byFilter.stdout).toBe(`${registry.host}/app 1\n`);
    // Unfiltered, both repositories show, the digest-only one with a <none> tag (as Docker).
    const all = await cli("images", "--format", fmt);
    expect(all.stdout.split("\n").sort()).toEqual([
      "",
      `${registry.host}/app 1`,
      `${registry.host}/mirror <none>`,
    ]);
    const mirror = await cli(
      "images",
      "--digests",
      "--format",
      "{{.Tag}} {{.Digest}}",
      `${registry.host}/mirror`,
    );
    expect(mirror.stdout).toBe(`<none> ${image.manifest.desc.digest}\n`);
  });
});

describe("sizes as Docker counts them", () => {
  it("inspect's Size, the SIZE column and history are the layers' unpacked sizes", async () => {
    const name = `${registry.host}/app:1`;
    // Two layers holding 3000 and 5000 bytes of files; their gzipped blobs are bigger (random data).
    const size = await cli("image", "inspect", "-f", "{{.Size}}", name);
    expect(size.stdout).toBe("8000\n");
    const column = await cli("images", "--format", "{{.Size}}", `${registry.host}/app`);
    expect(column.stdout).toBe("8kB\n");
    const table = await cli("images", `${registry.host}/app`);
    expect(table.stdout.split("\n")[1]).toMatch(/ 8kB$/);
    const history = await cli("history", "-H=false", "--format", "{{.Size}}", name);
    expect(history.stdout).toBe("5000\n3000\n");
    // Measured once, then kept by blob digest.
    const kept = JSON.parse(readFileSync(layerSizesFile(root), "utf8"));
    expect(kept).toEqual({ [image.layers[0]!.desc.digest]: 3000, [image.layers[1]!.desc.digest]: 5000 });
  });

  it("inspect has Docker's GraphDriver after Size, null Data while the layers are not unpacked", async () => {
    const r = await cli("inspect", `${registry.host}/app:1`);
    const [doc] = JSON.parse(r.stdout);
    expect(doc.GraphDriver).toEqual({ Data: null, Name: "overlay2" });
    const keys = Object.keys(doc);
    expect(keys.slice(keys.indexOf("Size"), keys.indexOf("Size") + 3)).toEqual([
      "Size",
      "GraphDriver",
      "RootFS",
    ]);
    expect(existsSync(join(root, "snapshots"))).toBe(false);
  });

  it("counts a layer it cannot read by its stored size", async () => {
    await rm(layerSizesFile(root));
    await rm(join(root, "store", "blobs", "sha256", image.layers[0]!.desc.digest.slice(7)));
    const r = await cli("image", "inspect", "-f", "{{.Size}}", `${registry.host}/app:1`);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    expect(r.stdout).toBe(`${image.layers[0]!.desc.size + 5000}\n`);
    // Only what was measured is kept.
    expect(JSON.parse(readFileSync(layerSizesFile(root), "utf8"))).toEqual({
      [image.layers[1]!.desc.digest]: 5000,
    });
  });
});
