import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { runTask } from "./task.js";
import { busyboxRootfs } from "./testing/fixtures.js";

const temp = tempDirs("wharf-rt-task-");

async function setup() {
  const base = temp();
  const rootfs = await busyboxRootfs(join(base, "rootfs"));
  const dir = join(base, "task");
  mkdirSync(dir);
  return { ctx: { root: join(base, "root") }, rootfs, dir };
}

describe("runTask", () => {
  it("runs a process in the tree with its user, cwd, env and mounts; output to callbacks; leaves no state", async () => {
    const { ctx, rootfs, dir } = await setup();
    const data = join(temp(), "data");
    mkdirSync(data);
    writeFileSync(join(data, "in"), "mounted");
    let out = "";
    let err = "";
    const code = await runTask(ctx, {
      rootfs,
      dir,
      argv: ["/bin/sh", "-c", 'id -u; pwd; echo "$GREETING"; cat /mnt/in; echo oops >&2; exit 3'],
      env: ["PATH=/bin", "GREETING=hi"],
      cwd: "/work/dir",
      user: "app",
      network: "none",
      mounts: [{ type: "bind", source: data, destination: "/mnt", readOnly: true }],
      onStdout: (c) => {
        out += Buffer.from(c).toString();
      },
      onStderr: (c) => {
        err += Buffer.from(c).toString();
      },
    });
    expect(code).toBe(3);
    expect(out).toBe("1000\n/work/dir\nhi\nmounted");
    expect(err).toBe("oops\n");
    expect(existsSync(join(rootfs, "work", "dir"))).toBe(true);
    // No record, no bundle, no runc state left behind.
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(ctx.root, "containers"))).toBe(false);
    const runcRoot = join(ctx.root, "runc");
    expect(existsSync(runcRoot) ? readdirSync(runcRoot) : []).toEqual([]);
    expect(readFileSync(join(rootfs, "etc", "passwd"), "utf8")).toContain("app:x:1000");
  });

  it("reports a command that is not there as Docker does (127), and an unknown user", async () => {
    const { ctx, rootfs, dir } = await setup();
    const missing = await runTask(ctx, {
      rootfs,
      dir,
      argv: ["/nope"],
      env: [],
      cwd: "/",
      network: "none",
    }).catch((e: unknown) => e);
    expect(isWharfError(missing, "command-not-found")).toBe(true);
    const user = await runTask(ctx, {
      rootfs,
      dir,
      argv: ["/bin/true"],
      env: [],
      cwd: "/",
      user: "ghost",
      network: "none",
    }).catch((e: unknown) => e);
    expect((user as Error).message).toMatch(/unable to find user ghost/);
  });
});
