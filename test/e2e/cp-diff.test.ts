import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxRootfsTars, type RootfsTars } from "./helpers/rootfs-tar.js";
import { PODMAN_ULIMITS, run as runTool } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const LINKS =
  "ln -s /etc/passwd /data/pw; ln -s ../../../../../../etc/passwd /data/rel; ln -s ../../../../.. /data/up";
const PASSWD = "root:x:0:0:root:/root:/bin/sh\n";

/** Runs the CLI under a pseudo-terminal (util-linux `script`), as a user at a terminal would. */
function onTerminal(cli: WharfCli, args: string[]): Promise<{ code: number | null; out: string }> {
  const cmd = [WHARF_CMD, "--root", cli.root, ...args].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qec", cmd, "/dev/null"]);
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((r) => child.on("close", (code) => r({ code, out: out.replace(/\r/g, "") })));
}

function withStdin(
  cli: WharfCli,
  args: string[],
  input: Buffer,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(WHARF_CMD, ["--root", cli.root, ...args], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stderr }));
    child.stdin.end(input);
  });
}

/** `cp` both ways by Docker's path rules, on running and stopped containers; `diff` beside podman's. */
describe("cp and diff", () => {
  let dir: string;
  let cli: WharfCli;
  let tars: RootfsTars;
  let host: string;
  const hostPasswd = () => readFile("/etc/passwd", "utf8");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-cp-"));
    [cli, tars] = await Promise.all([wharfCli(), busyboxRootfsTars(dir)]);
    await cli.ok("import", tars.tar, "bb:cp");
    host = join(dir, "host");
    await mkdir(join(host, "tree/sub"), { recursive: true });
    await writeFile(join(host, "h.txt"), "hello\n");
    await writeFile(join(host, "tree/a"), "a\n");
    await writeFile(join(host, "tree/sub/b"), "b\n");
    await writeFile(join(host, "owned"), "owned\n");
    await chown(join(host, "owned"), 1234, 4321);
  }, 120_000);

  afterAll(async () => {
    await cli?.run(["rm", "-f", "stopped", "running", "d1"]);
    await cli?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const state of ["stopped", "running"] as const) {
    it(`copies into a ${state} container by Docker's rules`, async () => {
      const c = state;
      if (state === "stopped") await cli.ok("create", "--name", c, "bb:cp", "sh", "-c", LINKS);
      else await cli.ok("run", "-d", "--name", c, "bb:cp", "sh", "-c", `${LINKS}; sleep 300`);
      if (state === "stopped") {
        await cli.ok("start", "-a", c);
      } else {
        for (let i = 0; i < 100 && !(await cli.ok("diff", c)).includes("A /data/up"); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const before = await hostPasswd();
      const h = (p: string) => join(host, p);
      await cli.ok("cp", h("h.txt"), `${c}:/data`); // into a directory
      await cli.ok("cp", h("h.txt"), `${c}:data/renamed`); // to a new name, relative path
      await cli.ok("cp", h("tree"), `${c}:/newdir`); // a directory to a new path
      await cli.ok("cp", h("tree"), `${c}:/data/`); // into a directory, under its name
      await cli.ok("cp", `${h("tree")}/.`, `${c}:/srv`); // its contents
      await cli.ok("cp", h("owned"), `${c}:/data/root-owned`);
      await cli.ok("cp", "-a", h("owned"), `${c}:/data/kept-owner`);
      const missingDir = await cli.run(["cp", h("h.txt"), `${c}:/nodir/`]);
      expect(missingDir.code).toBe(1);
      expect(missingDir.stderr).toMatch(/^Error: no such directory\n/);
      const dirOnFile = await cli.run(["cp", h("tree"), `${c}:/data/keep`]);
      expect(dirOnFile.stderr).toMatch(/^Error: cannot copy directory\n/);
      // A tar on stdin, extracted in a directory.
      const tar = execFileSync("tar", ["-C", host, "-cf", "-", "tree"]);
      const notDir = await withStdin(cli, ["cp", "-", `${c}:/data/fromtar`], tar);
      expect(notDir.stderr).toMatch(`Error: destination "${c}:/data/fromtar" must be a directory`);
      await cli.ok("cp", h("tree"), `${c}:/data/fromtar`);
      expect((await withStdin(cli, ["cp", "-", `${c}:/data/fromtar`], tar)).code).toBe(0);
      // Links in the container lead inside it, whatever they say: the host is never written.
      const pre = join(dir, `pre-${c}`);
      await cli.ok("cp", "-L", `${c}:/data/pw`, pre);
      expect(await readFile(pre, "utf8")).toBe(PASSWD);
      await cli.ok("cp", h("h.txt"), `${c}:/data/up/escaped`);
      await cli.ok("cp", h("h.txt"), `${c}:/data/pw`);
      expect(existsSync("/escaped")).toBe(false);
      expect(await hostPasswd()).toBe(before);

      const out = join(dir, `out-${c}`);
      await mkdir(out);
      await cli.ok("cp", `${c}:/data`, join(out, "data"));
      const list = execFileSync("sh", ["-c", `cd "${out}/data" && find . | sort`], { encoding: "utf8" });
      expect(list.split("\n")).toEqual(
        expect.arrayContaining([
          "./h.txt",
          "./renamed",
          "./tree/a",
          "./tree/sub/b",
          "./fromtar/tree/sub/b",
          "./up",
        ]),
      );
      expect(await readlink(join(out, "data/pw"))).toBe("/etc/passwd");
      // /etc/passwd of the container was overwritten through /data/pw, not the host's.
      const etc = join(out, "passwd");
      await cli.ok("cp", `${c}:/etc/passwd`, etc);
      expect(await readFile(etc, "utf8")).toBe("hello\n");
      const newdir = join(out, "newdir");
      await cli.ok("cp", `${c}:/newdir`, newdir);
      expect(await readFile(join(newdir, "sub/b"), "utf8")).toBe("b\n");
      const srv = join(out, "srv");
      await mkdir(srv);
      await cli.ok("cp", `${c}:/srv/.`, srv);
      expect(await readFile(join(srv, "a"), "utf8")).toBe("a\n");
      await cli.ok("cp", `${c}:/escaped`, join(out, "escaped"));
      expect(await readFile(join(out, "escaped"), "utf8")).toBe("hello\n");
      // -L follows a link inside the container; without it the link itself is copied.
      await cli.ok("cp", `${c}:/data/rel`, join(out, "rel"));
      expect(await readlink(join(out, "rel"))).toBe("../../../../../../etc/passwd");
      await cli.ok("cp", "-L", `${c}:/data/rel`, join(out, "relL"));
      expect(await readFile(join(out, "relL"), "utf8")).toBe("hello\n");
      // Owners: root without -a, the source's with -a (both ways).
      const ids = async (p: string) => {
        const st = await lstat(p);
        return `${st.uid}:${st.gid}`;
      };
      await cli.ok("cp", `${c}:/data/root-owned`, join(out, "ro"));
      await cli.ok("cp", "-a", `${c}:/data/kept-owner`, join(out, "ko"));
      expect(await ids(join(out, "ro"))).toBe("0:0");
      expect(await ids(join(out, "ko"))).toBe("1234:4321");
      // A tar on stdout; a missing source.
      const listed = execFileSync(
        "sh",
        ["-c", `"${WHARF_CMD}" --root "${cli.root}" cp ${c}:/newdir - | tar -t`],
        {
          encoding: "utf8",
        },
      );
      expect(listed.trim().split("\n").sort()).toEqual([
        "newdir/",
        "newdir/a",
        "newdir/sub/",
        "newdir/sub/b",
      ]);
      const missing = await cli.run(["cp", `${c}:/nope`, out]);
      expect(missing.stderr).toMatch(`Error: Could not find the file /nope in container ${c}`);
      if (state === "running") expect(await cli.ok("exec", c, "cat", "/data/renamed")).toBe("hello\n");
      // Docker's summary, on a terminal.
      const t = await onTerminal(cli, ["cp", h("h.txt"), `${c}:/data/`]);
      expect(t.out).toBe(`Successfully copied 2.05kB to ${c}:/data/\n`);
      const q = await onTerminal(cli, ["cp", "-q", h("h.txt"), `${c}:/data/`]);
      expect(q.out).toBe("");
      await validateRoot(cli.root);
    }, 120_000);
  }

  it("lists a container's changes as podman's overlay differ does for the same changes", async () => {
    const changes = [
      "echo added > /data/added",
      "echo changed > /data/keep",
      "rm /data/gone",
      "rm -rf /data/sub && mkdir /data/sub && echo new > /data/sub/new",
      "rm -rf /srv && mkdir /srv",
      "mkdir -p /new/deeper && echo x > /new/deeper/x",
      "ln -s /data/keep /link",
      "rm /bin/wc",
    ].join("; ");
    await cli.ok("run", "--name", "d1", "--network", "none", "bb:cp", "sh", "-c", changes);
    const ours = await cli.ok("diff", "d1");
    expect(await cli.ok("container", "diff", "d1")).toBe(ours);

    const pd = join(dir, "podman");
    const podman = (...args: string[]) =>
      runTool("podman", [
        "--root",
        join(pd, "root"),
        "--runroot",
        join(pd, "run"),
        "--storage-driver",
        "overlay",
        // Its own libpod state: another test's `system reset` wipes the default, /run/libpod.
        "--tmpdir",
        join(pd, "tmp"),
        ...args,
      ]);
    try {
      await podman("import", "-q", tars.tar, "localhost/bb:cp");
      await podman(
        "run",
        "--name",
        "d1",
        "--runtime",
        "runc",
        "--network=none",
        ...PODMAN_ULIMITS,
        "localhost/bb:cp",
        "sh",
        "-c",
        changes,
      );
      // podman's runc makes /etc/hosts, /etc/hostname and /etc/resolv.conf in the container's own
      // layer (podman leaves those out of its diff, but not /etc's mtime); Docker's init layer, and
      // wharf's, hold them below the container's changes, so /etc is not changed for Docker.
      const theirs = (await podman("diff", "d1")).replace(/^C \/etc\n/m, "");
      expect(ours).toBe(theirs);
      expect(ours).toContain("D /srv\n");
      expect(ours).toContain("D /data/sub\nA /data/sub/new\n");
    } finally {
      await podman("system", "reset", "-f").catch(() => "");
    }
    await validateRoot(cli.root);
  }, 180_000);
});
