import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeListing } from "../../src/archive/image/testing/stores.js";
import { pushBusybox, removeContainers } from "./helpers/busybox-image.js";
import { buildahImage, fetchManifest } from "./helpers/image-fixtures.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { validateOnRegistry, validateRoot } from "./helpers/validate.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const sh = promisify(execFile);

/** Runs a shell pipeline (`wharf save | podman load`); throws with stderr on failure. */
async function pipe(script: string): Promise<string> {
  const { stdout } = await sh("sh", ["-ec", script], { maxBuffer: 64 << 20, timeout: 180_000 });
  return stdout;
}

describe("save, load and image copy with the real peers", () => {
  let dist: RunningRegistry;
  let wreg: RunningRegistry;
  let cli: WharfCli;
  let other: WharfCli;
  let box: Sandbox;
  let dir: string;
  let ref: string;
  const podmanArgs = () => `--root ${box.dir}/root --runroot ${box.dir}/runroot --storage-driver vfs`;
  const wharf = (c: WharfCli) => `${WHARF_CMD} --root ${c.root}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-save-"));
    [dist, wreg] = await Promise.all([startDistribution(), startWharfRegistry()]);
    cli = await wharfCli();
    other = await wharfCli();
    box = await sandbox();
    ({ ref } = await pushBusybox(dist, join(dir, "layout"), "busy", ["echo", "from busybox"]));
    await cli.ok("pull", "-q", ref);
    await cli.ok("tag", ref, "saved/app:1");
  }, 180_000);

  afterAll(async () => {
    if (cli) await removeContainers(cli);
    if (other) await removeContainers(other);
    await Promise.all([dist?.close(), wreg?.close(), cli?.close(), other?.close(), box?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("wharf save | podman load: podman names the images and keeps the image ID", async () => {
    const id = (await cli.ok("images", "-q", "--no-trunc", "saved/app:1")).trim();
    const out = await pipe(`${wharf(cli)} save saved/app:1 ${ref} | podman ${podmanArgs()} load`);
    expect(out).toContain("Loaded image");
    // podman reads the Docker side (manifest.json) of a file with several names: short names become localhost/
    const seen = await box.podman("images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}");
    expect(seen).toContain(`${id.slice(7)} localhost/saved/app:1`);
    expect(seen).toContain(`${id.slice(7)} ${ref}:latest`);
    // one name: podman reads the OCI side (index.json), whose io.containerd.image.name is the full name
    await box.podman("rmi", "-a", "-f");
    await pipe(`${wharf(cli)} save saved/app:1 | podman ${podmanArgs()} load`);
    expect(await box.podman("images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")).toBe(
      `${id} docker.io/saved/app:1\n`,
    );
    await validateRoot(cli.root);
  }, 120_000);

  it("skopeo reads wharf's file as docker-archive: and oci-archive:", async () => {
    const file = join(dir, "wharf.tar");
    await cli.ok("save", "-o", file, "saved/app:1");
    const [ours] = JSON.parse(await cli.ok("image", "inspect", "saved/app:1"));
    // docker-archive: skopeo reads manifest.json and the (compressed) layer blobs, decompressing them
    const config = JSON.parse(await skopeo("inspect", "--config", `docker-archive:${file}`));
    expect(config.rootfs.diff_ids).toEqual(ours.RootFS.Layers);
    expect(config.config.Cmd).toEqual(ours.Config.Cmd);
    await skopeo("copy", `docker-archive:${file}`, `oci:${join(dir, "sk")}:docker`);
    // oci-archive: the image's own manifest, as pulled
    await skopeo("copy", `oci-archive:${file}`, `oci:${join(dir, "sk")}:oci`);
    const viaOci = JSON.parse(await skopeo("inspect", `oci:${join(dir, "sk")}:oci`));
    const pulled = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${ref}`));
    expect(viaOci.Digest).toBe(pulled.Digest);
    const raw = JSON.parse(await skopeo("inspect", "--raw", `oci:${join(dir, "sk")}:oci`));
    expect(raw.config.digest).toBe(ours.Id);
    await validateRoot(cli.root);
  }, 120_000);

  it("a multi-platform image is saved with every platform: podman loads this machine's, skopeo --all both", async () => {
    const ctx = join(dir, "mp");
    await rm(ctx, { recursive: true, force: true });
    await sh("mkdir", ["-p", ctx]);
    await writeFile(join(ctx, "Dockerfile"), "FROM scratch\nARG TARGETARCH\nCOPY f-$TARGETARCH /f\n");
    await writeFile(join(ctx, "f-amd64"), "amd64\n");
    await writeFile(join(ctx, "f-arm64"), "arm64\n");
    await cli.ok("build", "-q", "--platform", "linux/amd64,linux/arm64", "-t", "saved/multi:1", ctx);
    const file = join(dir, "multi.tar");
    await cli.ok("save", "-o", file, "saved/multi:1");
    const [ours] = JSON.parse(await cli.ok("image", "inspect", "saved/multi:1"));
    const [arm] = JSON.parse(await cli.ok("image", "inspect", "--platform", "linux/arm64", "saved/multi:1"));
    await box.podman("rmi", "-a", "-f");
    expect(await pipe(`podman ${podmanArgs()} load -i ${file}`)).toContain("docker.io/saved/multi:1");
    const seen = await box.podman("images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}");
    expect(seen).toBe(`${ours.Id} docker.io/saved/multi:1\n`);
    await skopeo("copy", "--all", `oci-archive:${file}`, `oci:${join(dir, "skmp")}:all`);
    const configs = await Promise.all(
      ["amd64", "arm64"].map(async (arch) =>
        JSON.parse(
          await skopeo("--override-arch", arch, "inspect", "--config", `oci:${join(dir, "skmp")}:all`),
        ),
      ),
    );
    expect(configs.map((c) => c.architecture)).toEqual(["amd64", "arm64"]);
    expect(configs[1].rootfs.diff_ids).toEqual(arm.RootFS.Layers);
    // loaded back by another wharf, the name names both platforms again
    await other.ok("load", "-i", file);
    const [back] = JSON.parse(
      await other.ok("image", "inspect", "--platform", "linux/arm64", "saved/multi:1"),
    );
    expect(back.Id).toBe(arm.Id);
    await validateRoot(other.root);
  }, 120_000);

  it("podman save (docker-archive, oci-archive, oci-dir) and skopeo's oci-archive load into wharf and run", async () => {
    await buildahImage(box, {
      name: "localhost/pm/echo:1",
      copy: [["/bin/busybox", "/bin/busybox"]],
      cmd: ["/bin/busybox", "echo", "from podman"],
    });
    const d = (n: string) => join(dir, n);
    await box.podman("save", "--format", "docker-archive", "-o", d("p-docker.tar"), "localhost/pm/echo:1");
    await box.podman("save", "--format", "oci-archive", "-o", d("p-oci.tar"), "localhost/pm/echo:1");
    await box.podman("save", "--format", "oci-dir", "-o", d("p-dir"), "localhost/pm/echo:1");
    await pipe(`tar -C ${d("p-dir")} -cf ${d("p-dir.tar")} .`);
    await skopeo("copy", "--src-tls-verify=false", `docker://${ref}`, `oci-archive:${d("s-oci.tar")}:${ref}`);
    for (const file of ["p-docker.tar", "p-oci.tar", "p-dir.tar"]) {
      await other.ok("rmi", "-f", "localhost/pm/echo:1").catch(() => "");
      expect(await other.ok("load", "-i", d(file))).toBe("Loaded image: localhost/pm/echo:1\n");
      expect(await other.ok("run", "--rm", "localhost/pm/echo:1")).toBe("from podman\n");
      await validateRoot(other.root);
    }
    expect(await other.ok("load", "-i", d("s-oci.tar"))).toBe(`Loaded image: ${ref}:latest\n`);
    expect(await other.ok("run", "--rm", ref)).toBe("from busybox\n");
    await validateRoot(other.root);
  }, 180_000);

  it("a save/load round trip keeps IDs, tags and history; RepoDigests are not kept (as Docker)", async () => {
    const fresh = await wharfCli();
    try {
      await pipe(`${wharf(cli)} save saved/app:1 ${ref} | gzip -1 | ${wharf(fresh)} load -q`);
      for (const name of ["saved/app:1", ref]) {
        const [a] = JSON.parse(await cli.ok("image", "inspect", name));
        const [b] = JSON.parse(await fresh.ok("image", "inspect", name));
        expect(b.Id).toBe(a.Id);
        expect([...b.RepoTags].sort()).toEqual([...a.RepoTags].sort());
        expect(b.RepoDigests).toEqual([]);
        expect(await fresh.ok("history", "--no-trunc", name)).toBe(
          await cli.ok("history", "--no-trunc", name),
        );
      }
      expect(await fresh.ok("run", "--rm", "saved/app:1")).toBe("from busybox\n");
      await removeContainers(fresh);
      await validateRoot(fresh.root);
    } finally {
      await fresh.close();
    }
  }, 120_000);

  it("save to a terminal is refused; load of hostile archives fails and leaves the store as it was", async () => {
    const good = join(dir, "good.tar");
    await cli.ok("save", "-o", good, "saved/app:1");
    const { stdout: tar } = await sh("sh", ["-c", `tar -tf ${good}`]);
    const layer = tar.split("\n").find((n) => n.startsWith("blobs/sha256/") && n.length > 30) as string;
    const cases: [string, string][] = [
      ["truncated.tar", `head -c 3000 ${good} > ${join(dir, "truncated.tar")}`],
      [
        "dotdot.tar",
        `mkdir -p ${join(dir, "x/y")} && echo hi > ${join(dir, "x/evil")} && tar -C ${join(dir, "x/y")} -cf ${join(dir, "dotdot.tar")} --absolute-names ../evil`,
      ],
      ["notimage.tar", `tar -C ${dir} -cf ${join(dir, "notimage.tar")} good.tar`],
    ];
    for (const [, script] of cases) await pipe(script);
    const before = storeListing(cli.root);
    for (const [file] of cases) {
      const r = await cli.run(["load", "-i", join(dir, file)]);
      expect(r.code, `${file}: ${r.stdout}${r.stderr}`).not.toBe(0);
      expect(r.stderr).toMatch(/^Error: .+\nHint: .+/m);
      expect(storeListing(cli.root)).toEqual(before);
    }
    const bad = join(dir, "bad.tar");
    await pipe(
      `mkdir -p ${join(dir, "bad")} && tar -C ${join(dir, "bad")} -xf ${good} && printf 'x' >> ${join(dir, "bad", layer)} && tar -C ${join(dir, "bad")} -cf ${bad} .`,
    );
    const r = await cli.run(["load", "-i", bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/mismatch/);
    expect(storeListing(cli.root)).toEqual(before);
    await validateRoot(cli.root);
    // stdout a terminal: `script` gives the command one
    await writeFile(join(dir, "tty.sh"), `${wharf(cli)} save saved/app:1; echo "exit=$?"\n`);
    const { stdout } = await sh("script", ["-qec", `sh ${join(dir, "tty.sh")}`, "/dev/null"]);
    expect(stdout).toContain("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    expect(stdout).toContain("exit=1");
  }, 120_000);

  it("image copy between Distribution and wharf's registry gives skopeo copy's digests", async () => {
    const src = `docker://${ref}`;
    for (const [from, to] of [
      [src, `${wreg.host}/copied/busy:1`],
      [`docker://${wreg.host}/copied/busy:1`, `${dist.host}/back/busy:1`],
    ] as const) {
      const out = await cli.ok("image", "copy", from, `docker://${to}`);
      const [host, ...rest] = to.split("/");
      const repoTag = rest.join("/");
      const [repo, tag] = repoTag.split(":") as [string, string];
      const ours = await fetchManifest(`http://${host}`, repo, tag);
      expect(out).toContain(ours.digest);
      await skopeo(
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        from,
        `docker://${host}/skopeo/${repoTag}`,
      );
      const theirs = await fetchManifest(`http://${host}`, `skopeo/${repo}`, tag);
      expect(ours.digest).toBe(theirs.digest);
      await validateOnRegistry(host as string, repo, tag);
    }
    // the store, a layout and an archive as ends
    await cli.ok("image", "copy", `wharf:saved/app:1`, `oci:${join(dir, "copy-layout")}:1`);
    await cli.ok(
      "image",
      "copy",
      `oci:${join(dir, "copy-layout")}:1`,
      `docker://${wreg.host}/fromlayout/app:1`,
    );
    const a = JSON.parse(
      await skopeo("inspect", "--tls-verify=false", `docker://${wreg.host}/fromlayout/app:1`),
    );
    const b = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${ref}`));
    expect(a.Digest).toBe(b.Digest);
    await cli.ok(
      "image",
      "copy",
      `docker://${wreg.host}/fromlayout/app:1`,
      `docker-archive:${join(dir, "copy.tar")}:copied/app:2`,
    );
    expect(await other.ok("load", "-i", join(dir, "copy.tar"))).toBe("Loaded image: copied/app:2\n");
    await validateRoot(other.root);
    await validateOnRegistry(wreg.host, "fromlayout/app", "1");
  }, 180_000);

  it("image copy --sync copies the tags the mirror lacks", async () => {
    await cli.ok("image", "copy", `docker://${ref}`, `docker://${dist.host}/e2e/busy:2`);
    const out = await cli.ok(
      "image",
      "copy",
      "--sync",
      `docker://${dist.host}/e2e/busy`,
      `docker://${wreg.host}/mirror/busy`,
    );
    expect(out).toMatch(
      /^2: digest: sha256:[0-9a-f]{64} size: \d+\nlatest: digest: sha256:[0-9a-f]{64} size: \d+\n2 tags copied\n$/,
    );
    expect(
      await cli.ok(
        "image",
        "copy",
        "--sync",
        `docker://${dist.host}/e2e/busy`,
        `docker://${wreg.host}/mirror/busy`,
      ),
    ).toBe("0 tags copied\n");
    await validateOnRegistry(wreg.host, "mirror/busy", "2");
  }, 120_000);
});
