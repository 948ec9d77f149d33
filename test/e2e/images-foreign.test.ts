import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage, busyboxSpec, type LayoutImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateOnRegistry, validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const REF_NAME = "org.opencontainers.image.ref.name";

interface IndexEntry {
  digest: string;
  annotations?: Record<string, string>;
}

/** Images that skopeo copies into wharf's store (an OCI layout) under a full reference are wharf's images. */
describe("images other tools put in the store", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let first: LayoutImage;
  let second: LayoutImage;
  const store = () => join(cli.root, "store");
  const layout = () => join(dir, "layout");
  const name = () => `${reg.host}/e2e/foreign:1`;
  const index = async () =>
    (JSON.parse(await readFile(join(store(), "index.json"), "utf8")) as { manifests: IndexEntry[] })
      .manifests;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-images-foreign-"));
    reg = await startDistribution();
    cli = await wharfCli();
    first = await addImage(layout(), { ...busyboxSpec("first"), cmd: ["sh", "-c", "echo from skopeo"] });
    second = await addImage(layout(), { ...busyboxSpec("second"), cmd: ["sh", "-c", "echo second"] });
    expect(await cli.ok("images", "-q")).toBe(""); // makes the store's layout
    await skopeo("copy", `oci:${layout()}:first`, `oci:${store()}:${name()}`);
    await skopeo("copy", `oci:${layout()}:first`, `oci:${store()}:plain`);
  }, 120_000);

  afterAll(async () => {
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists an image skopeo copied in under a full reference, and leaves other names alone", async () => {
    const rows = await cli.ok("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
    expect(rows).toBe(`${reg.host}/e2e/foreign:1 ${first.config.digest}\n`);
    const [doc] = JSON.parse(await cli.ok("image", "inspect", name()));
    expect(doc).toMatchObject({ Id: first.config.digest, RepoTags: [name()], RepoDigests: [] });
    // the entry named `plain` is as skopeo wrote it, and skopeo still reads both
    const plain = (await index()).find((e) => e.annotations?.[REF_NAME] === "plain");
    expect(plain?.annotations).toEqual({ [REF_NAME]: "plain" });
    const seen = JSON.parse(await skopeo("inspect", `oci:${store()}:${name()}`));
    expect(seen.Digest).toBe(first.manifest.digest);
    expect(JSON.parse(await skopeo("inspect", `oci:${store()}:plain`)).Digest).toBe(first.manifest.digest);
    await validateRoot(cli.root);
  });

  it("pushes it, and the registry serves the same manifest", async () => {
    const out = await cli.ok("push", name());
    expect(out).toContain(`1: digest: ${first.manifest.digest} size: ${first.manifest.size}`);
    const remote = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${name()}`));
    expect(remote.Digest).toBe(first.manifest.digest);
    await validateRoot(cli.root);
    await validateOnRegistry(reg.host, "e2e/foreign", "1");
  });

  it("runs it", async () => {
    expect(await cli.ok("run", "--rm", name())).toBe("from skopeo\n");
    await validateRoot(cli.root);
  }, 60_000);

  it("a second copy under the same name leaves the first image untagged, as a re-tag does", async () => {
    await skopeo("copy", `oci:${layout()}:second`, `oci:${store()}:${name()}`);
    const rows = await cli.ok("images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
    // the first keeps the repo digest its push recorded: `<repo>:<none>`, as Docker shows it
    expect(rows.trimEnd().split("\n").sort()).toEqual(
      [`${name()} ${second.config.digest}`, `${reg.host}/e2e/foreign:<none> ${first.config.digest}`].sort(),
    );
    expect(await cli.ok("run", "--rm", name())).toBe("second\n");
    await cli.ok("image", "prune", "-f");
    expect(await cli.ok("images", "-q", "--no-trunc")).toBe(`${second.config.digest}\n`);
    // `plain` is not wharf's: prune keeps what it reaches
    expect(JSON.parse(await skopeo("inspect", `oci:${store()}:plain`)).Digest).toBe(first.manifest.digest);
    await validateRoot(cli.root);
  }, 60_000);
});
