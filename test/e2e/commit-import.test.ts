import { execFileSync, spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { busyboxRootfsTars, type RootfsTars } from "./helpers/rootfs-tar.js";
import { PODMAN_RUN, type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const CHANGES =
  "echo added > /data/added; echo changed > /data/keep; rm /data/gone; rm -rf /data/sub; mkdir /data/sub; echo new > /data/sub/new";
const CHECK = "ls /data; ls /data/sub; cat /data/keep /data/added; echo STAGE=$STAGE";
const CHANGED_OUTPUT = "added\nkeep\nsub\nnew\nchanged\nadded\nSTAGE=committed\n";

const trimmed = async (p: Promise<string>) => (await p).trim();

/** `import` of a root filesystem tar, `commit` of a changed container, `export` round trips. */
describe("import, commit and export", () => {
  let dir: string;
  let cli: WharfCli;
  let reg: RunningRegistry;
  let box: Sandbox;
  let tars: RootfsTars;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-commit-"));
    [cli, reg, box, tars] = await Promise.all([
      wharfCli(),
      startDistribution(),
      sandbox(),
      busyboxRootfsTars(dir),
    ]);
  }, 120_000);

  afterAll(async () => {
    await cli?.run(["rm", "-f", "changer", "live", "same"]);
    await cli?.close();
    await box?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("imports a busybox rootfs tar, plain, gzip, xz and zstd, and runs it", async () => {
    const diffIds = new Set<string>();
    for (const [tag, file] of [
      ["tar", tars.tar],
      ["gz", tars.gz],
      ["xz", tars.xz],
      ["zst", tars.zst],
    ] as const) {
      const id = await trimmed(cli.ok("import", file, `bb:${tag}`));
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await cli.ok("run", "--rm", `bb:${tag}`, "cat", "/data/keep")).toBe("kept\n");
      diffIds.add(
        await trimmed(cli.ok("image", "inspect", "--format", "{{json .RootFS.Layers}}", `bb:${tag}`)),
      );
    }
    // One layer, the tar's own digest, whatever the compression of the file.
    expect(diffIds.size).toBe(1);
    const tarDigest = execFileSync("sha256sum", [tars.tar], { encoding: "utf8" }).split(" ")[0];
    expect([...diffIds][0]).toBe(`["sha256:${tarDigest}"]`);
    expect(await cli.ok("history", "--format", "{{.CreatedBy}}|{{.Comment}}", "bb:xz")).toBe(
      "|Imported from -\n",
    );
    await validateRoot(cli.root);
  }, 120_000);

  it("imports from stdin with -c and -m, and refuses what is not a tar, leaving the store as it was", async () => {
    const r = await cli.run(
      ["import", "-c", 'CMD ["cat", "/data/keep"]', "-c", "ENV A=1", "-m", "from a pipe", "-", "bb:stdin"],
      { input: await readFile(tars.zst) },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await cli.ok("run", "--rm", "bb:stdin")).toBe("kept\n");
    expect(await cli.ok("history", "--format", "{{.Comment}}", "bb:stdin")).toBe("from a pipe\n");
    expect(await cli.ok("image", "inspect", "--format", "{{json .Config.Env}}", "bb:stdin")).toBe(
      '["A=1"]\n',
    );
    await cli.ok("import", "--platform", "linux/arm/v7", tars.gz, "bb:arm");
    expect(
      await cli.ok("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}/{{.Variant}}", "bb:arm"),
    ).toBe("linux/arm/v7\n");

    const listing = () =>
      cli.ok("images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}");
    const before = await listing();
    const blobs = () =>
      execFileSync("ls", [join(cli.root, "store", "blobs", "sha256")], { encoding: "utf8" });
    const blobsBefore = blobs();
    const junk = join(dir, "junk.tar");
    await writeFile(junk, Buffer.alloc(5000, 0x41));
    const bad = await cli.run(["import", junk, "bad:1"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: the input is not a tar archive/);
    expect(bad.stderr).toMatch(/\nHint: /);
    const badChange = await cli.run(["import", "-c", "RUN echo no", tars.tar, "bad:2"]);
    expect(badChange.code).toBe(1);
    expect(badChange.stderr).toMatch(/^Error: run is not a valid change command/);
    expect(await listing()).toBe(before);
    expect(blobs()).toBe(blobsBefore);
    await validateRoot(cli.root);
  }, 120_000);

  it("imports from a URL, with Docker's comment naming it", async () => {
    const server = createServer((req, res) => {
      if (req.url !== "/rootfs.tar.gz") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/gzip" });
      createReadStream(tars.gz).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const { port } = server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/rootfs.tar.gz`;
      await cli.ok("image", "import", url, "bb:url");
      expect(await cli.ok("run", "--rm", "bb:url", "cat", "/data/keep")).toBe("kept\n");
      expect(await cli.ok("history", "--format", "{{.Comment}}", "bb:url")).toBe(`Imported from ${url}\n`);
      const missing = await cli.run(["import", `http://127.0.0.1:${port}/nope.tar`, "bb:nope"]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^Error: cannot download http:\/\/127\.0\.0\.1:\d+\/nope\.tar: 404/);
    } finally {
      server.close();
    }
    await validateRoot(cli.root);
  }, 60_000);

  it("commits a changed container; the image runs with the change under wharf, and under podman through Distribution", async () => {
    await cli.ok("run", "--name", "changer", "bb:gz", "sh", "-c", CHANGES);
    const ref = `${reg.host}/e2e/committed:v1`;
    const id = await trimmed(
      cli.ok(
        "commit",
        "-a",
        "tester <t@example.test>",
        "-m",
        "the change",
        "-c",
        `CMD ["sh", "-c", "${CHECK}"]`,
        "-c",
        "ENV STAGE=committed",
        "changer",
        ref,
      ),
    );
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await cli.ok("run", "--rm", ref)).toBe(CHANGED_OUTPUT);
    expect(
      await cli.ok("run", "--rm", ref, "test", "-e", "/data/gone").catch((e: Error) => e.message),
    ).toMatch(/exited 1/);

    // Docker's history entry and config.
    const history = (
      await cli.ok("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", ref)
    ).split("\n");
    expect(history[0]).toBe(`sh -c ${CHANGES}|the change`);
    expect(
      await cli.ok(
        "image",
        "inspect",
        "--format",
        "{{.Author}}|{{json .Config.Cmd}}|{{json .Config.Env}}",
        ref,
      ),
    ).toBe(`tester <t@example.test>|["sh","-c","${CHECK.replace(/"/g, '\\"')}"]|["STAGE=committed"]\n`);

    // The new layer: whiteouts for the deleted file and the emptied directory, as a layer says them.
    const full = `${reg.host}/e2e/committed:v1`;
    const manifest = JSON.parse(
      await skopeo("inspect", "--raw", `oci:${join(cli.root, "store")}:${full}`),
    ) as {
      layers: { digest: string }[];
    };
    const top = manifest.layers.at(-1)?.digest.slice(7) ?? "";
    const layerTar = join(dir, "top.tar");
    await writeFile(layerTar, gunzipSync(await readFile(join(cli.root, "store", "blobs", "sha256", top))));
    const names = execFileSync("tar", ["-tf", layerTar], { encoding: "utf8" }).trim().split("\n");
    expect(names).toEqual(
      expect.arrayContaining([
        "data/.wh.gone",
        "data/sub/.wh..wh..opq",
        "data/added",
        "data/keep",
        "data/sub/new",
      ]),
    );
    expect(names).not.toContain("data/sub/old");

    await cli.ok("push", ref);
    const theirs = await box.podman(...PODMAN_RUN, "--rm", "--network=none", ref);
    expect(theirs).toBe(CHANGED_OUTPUT);
    await validateRoot(cli.root);
  }, 180_000);

  it("exports a container's whole filesystem, to a file or a pipe, and the export imports back", async () => {
    const file = join(dir, "changer.tar");
    await cli.ok("export", "-o", file, "changer");
    const piped = execFileSync(
      "sh",
      ["-c", `"${WHARF_CMD}" --root "${cli.root}" container export changer | sha256sum`],
      {
        encoding: "utf8",
      },
    );
    const written = execFileSync("sha256sum", [file], { encoding: "utf8" });
    expect(piped.split(" ")[0]).toBe(written.split(" ")[0]);
    const names = execFileSync("tar", ["-tf", file], { encoding: "utf8" });
    expect(names).toMatch(/^bin\/busybox$/m);
    expect(names).toMatch(/^data\/added$/m);
    expect(names).not.toMatch(/^data\/gone$/m);
    expect(names).not.toMatch(/\.wh\./);
    await cli.ok(
      "import",
      "-c",
      `CMD ["sh", "-c", "${CHECK}"]`,
      "-c",
      "ENV STAGE=committed",
      file,
      "bb:exported",
    );
    expect(await cli.ok("run", "--rm", "bb:exported")).toBe(CHANGED_OUTPUT);

    // On a terminal, as Docker: refused without -o.
    const tty = spawn("script", ["-qec", `"${WHARF_CMD}" --root "${cli.root}" export changer`, "/dev/null"]);
    let out = "";
    tty.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((r) => tty.on("close", (c) => r(c)));
    expect(out).toContain("Error: cowardly refusing to save to a terminal. Use the -o flag or redirect");
    expect(code).toBe(1);
    const noDir = await cli.run(["export", "-o", join(dir, "missing", "x.tar"), "changer"]);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toMatch(
      /^Error: failed to export container: invalid output path: stat .*\/missing: no such file or directory\nHint: /,
    );
    await validateRoot(cli.root);
  }, 120_000);

  it("commits a running container (paused meanwhile), and an unchanged one as an empty layer", async () => {
    await cli.ok("run", "-d", "--name", "live", "bb:gz", "sh", "-c", "echo live > /live; sleep 300");
    for (let i = 0; i < 100 && !(await cli.ok("diff", "live")).includes("A /live"); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await cli.ok("commit", "live", "bb:live");
    expect(await cli.ok("inspect", "--format", "{{.State.Status}}", "live")).toBe("running\n");
    expect(await cli.ok("run", "--rm", "bb:live", "cat", "/live")).toBe("live\n");
    await cli.ok("commit", "--pause=false", "live", "bb:live2");
    expect(await cli.ok("run", "--rm", "bb:live2", "cat", "/live")).toBe("live\n");
    await cli.ok("rm", "-f", "live");

    await cli.ok("run", "--name", "same", "bb:gz", "true");
    await cli.ok("commit", "same", "bb:same");
    const layers = (t: string) => cli.ok("image", "inspect", "--format", "{{len .RootFS.Layers}}", t);
    expect(await layers("bb:same")).toBe(await layers("bb:gz"));
    expect((await cli.ok("history", "--format", "{{.CreatedBy}}|{{.Size}}", "bb:same")).split("\n")[0]).toBe(
      "true|0B",
    );
    await validateRoot(cli.root);
  }, 120_000);
});
