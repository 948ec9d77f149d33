import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImages } from "../../images/index.js";
import { makeImage, type TestImage } from "../../images/testing/fixtures.js";
import { type Harness, harness } from "../../runtime/testing/harness.js";
import { runCli } from "../testing/capture.js";

/** `image prune` and `container prune` as Docker prints them, with `--filter until=` and `label=`. */
describe("image prune", () => {
  let root: string;
  let old: TestImage;
  let recent: TestImage;
  let plain: TestImage;
  const cli = (...argv: string[]) => runCli(argv, { root });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-cli-prune-"));
    const images = await openImages(root);
    try {
      old = await makeImage(images.content, {
        layers: [["a", "old"]],
        created: "2020-01-01T00:00:00Z",
        config: { Labels: { team: "a", env: "prod" } },
      });
      recent = await makeImage(images.content, {
        layers: [["b", "recent"]],
        created: new Date().toISOString(),
        config: { Labels: { team: "b" } },
      });
      plain = await makeImage(images.content, { layers: [["c", "plain"]], created: "2021-01-01T00:00:00Z" });
      // Unnamed: dangling, as a build's untagged image.
      for (const i of [old, recent, plain]) await images.record({ target: i.manifest });
    } finally {
      await images.close();
    }
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const ids = async () => (await cli("images", "-q", "--no-trunc")).stdout.trim().split("\n").sort();

  it("refuses a filter it cannot read, before anything goes", async () => {
    const r = await cli("image", "prune", "-f", "--filter", "until=7d");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: failed to parse value as time or duration: "7d"');
    expect(await ids()).toHaveLength(3);
    const bad = await cli("image", "prune", "-f", "--filter", "colour=red");
    expect(bad.stderr).toContain("invalid filter 'colour'");
  });

  it("prunes only the labelled images asked for", async () => {
    const r = await cli("image", "prune", "-f", "--filter", "label=team", "--filter", "label!=team=b");
    expect(r.stdout).toMatch(
      new RegExp(`^Deleted Images:\\ndeleted: ${old.id}\\n\\nTotal reclaimed space: \\d`),
    );
    expect(await ids()).toEqual([recent.id, plain.id].sort());
  });

  it("prunes images created before until, and prints no blank line when nothing goes", async () => {
    const r = await cli("image", "prune", "-f", "--filter", "until=2022-01-01");
    expect(r.stdout).toMatch(new RegExp(`^Deleted Images:\\ndeleted: ${plain.id}\\n\\n`));
    const none = await cli("image", "prune", "-f", "--filter", "until=24h");
    expect(none).toMatchObject({ status: 0, stdout: "Total reclaimed space: 0B\n", stderr: "" });
    expect(await ids()).toEqual([recent.id]);
  });
});

describe("container prune", () => {
  let h: Harness;
  const cli = (...argv: string[]) => runCli(argv, { root: h.ctx.root });

  beforeAll(async () => {
    h = await harness();
  });

  afterAll(async () => {
    await h.cleanup();
  });

  it("takes --filter label=, label!= and until=", async () => {
    const a = await h.create({ labels: { team: "a" } });
    const b = await h.create({ labels: { team: "b" } });
    const none = await cli("container", "prune", "-f", "--filter", "until=1h");
    expect(none).toMatchObject({ status: 0, stdout: "Total reclaimed space: 0B\n" });
    const r = await cli("container", "prune", "-f", "--filter", "label=team", "--filter", "label!=team=b");
    expect(r.stdout).toMatch(new RegExp(`^Deleted Containers:\\n${a.id}\\n\\nTotal reclaimed space: `));
    const rest = await cli("ps", "-a", "-q", "--no-trunc");
    expect(rest.stdout).toBe(`${b.id}\n`);
    const bad = await cli("container", "prune", "-f", "--filter", "until=soon");
    expect(bad.stderr).toContain('failed to parse value as time or duration: "soon"');
    expect((await cli("ps", "-a", "-q")).stdout).not.toBe("");
  });
});
