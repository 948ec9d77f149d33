import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A wharf command on a terminal of its own (util-linux `script`'s pty) of 33 rows and 101 columns,
 * its output collected; with `resizeWhen`, the terminal becomes 50 x 120 once that file exists.
 */
function onTerminal(cli: WharfCli, args: string[], resizeWhen?: string) {
  const quoted = [WHARF_CMD, "--root", cli.root, ...args].map((a) => `'${a}'`).join(" ");
  const resize = resizeWhen
    ? `(while [ ! -e '${resizeWhen}' ]; do sleep 0.05; done; stty rows 50 cols 120) & `
    : "";
  const cmd = `stty rows 33 cols 101; ${resize}exec ${quoted}`;
  const child: ChildProcessWithoutNullStreams = spawn("script", ["-qefc", cmd, "/dev/null"], {
    stdio: "pipe",
    env: { ...process.env, DOCKER_CONFIG: cli.dockerConfig, HOME: cli.dir },
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  child.stderr.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  const exited = new Promise<number | null>((res) => child.on("close", (c) => res(c)));
  return { child, exited, out: () => out.replace(/\r/g, "") };
}

/**
 * Detach keys on a terminal: `run -it --detach-keys`, `start -ai --detach-keys` (status 0) and
 * `attach` with config.json's `detachKeys` (`read escape sequence`, status 1: Docker's CLI's) leave
 * the container running; bad keys are refused before anything is made, an empty value is none.
 */
describe("detach keys", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const status = async (name: string) => (await cli.ok("inspect", "-f", "{{.State.Status}}", name)).trim();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-detach-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "detachbox",
        tag: "1",
        applets: ["sh", "echo", "cat", "sleep", "tty", "stty"],
        cmd: ["sh"],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
  }, 180_000);

  afterEach(async () => {
    await removeContainers(cli);
  });

  afterAll(async () => {
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("run -it --detach-keys: typed input reaches the shell, the keys leave it running, attach comes back", async () => {
    const term = onTerminal(cli, [
      "run",
      "-it",
      "--network",
      "none",
      "--detach-keys",
      "z,z",
      "--name",
      "sh1",
      image,
    ]);
    await new Promise((r) => setTimeout(r, 300));
    // A partial sequence followed by another byte is passed on whole: `za` and `z` reach the shell.
    term.child.stdin.write("echo one-$((40+2))-zaz; tty\n");
    await until("the shell's answer", () => (/^one-42-zaz$/m.test(term.out()) ? true : undefined));
    expect(term.out()).toMatch(/^\/dev\/pts\/\d+$/m);
    term.child.stdin.write("zz");
    expect(await term.exited).toBe(0);
    expect(await status("sh1")).toBe("running");

    // Attach again with config.json's keys; its `exit` ends the container, and attach with its code.
    await writeFile(join(cli.dockerConfig, "config.json"), JSON.stringify({ detachKeys: "ctrl-a" }));
    const again = onTerminal(cli, ["attach", "sh1"]);
    await new Promise((r) => setTimeout(r, 500));
    again.child.stdin.write("echo two-$((1+1))\n");
    await until("the second answer", () => (again.out().includes("two-2\n") ? true : undefined));
    again.child.stdin.write("\u0001");
    // As Docker's CLI: attach left at the keys ends with its hijack's error, this line and 1
    // (`run -it` and `start -ai` end 0 and say nothing).
    expect(await again.exited).toBe(1);
    expect(again.out()).toContain("read escape sequence");
    expect(term.out()).not.toContain("read escape sequence");
    expect(await status("sh1")).toBe("running");
    // An empty --detach-keys is none given: config.json's keys still detach.
    const empty = onTerminal(cli, ["attach", "--detach-keys", "", "sh1"]);
    await new Promise((r) => setTimeout(r, 500));
    empty.child.stdin.write("echo four-$((2+2))\n");
    await until("the third answer", () => (empty.out().includes("four-4\n") ? true : undefined));
    empty.child.stdin.write("\u0001");
    expect(await empty.exited).toBe(1);
    expect(empty.out()).toContain("read escape sequence");
    expect(await status("sh1")).toBe("running");
    const last = onTerminal(cli, ["attach", "sh1"]);
    await new Promise((r) => setTimeout(r, 500));
    last.child.stdin.write("exit 3\n");
    expect(await last.exited).toBe(3);
    expect(await status("sh1")).toBe("exited");
    await validateRoot(cli.root);
  }, 90_000);

  it("start -ai --detach-keys of a stopped container shows this run only and detaches", async () => {
    await cli.ok(
      "create",
      "-it",
      "--network",
      "none",
      "--name",
      "sh2",
      image,
      "sh",
      "-c",
      "echo ran; exec sh",
    );
    await cli.ok("start", "sh2");
    await until("the first run", async () =>
      (await cli.ok("logs", "sh2")).includes("ran") ? true : undefined,
    );
    await cli.ok("stop", "-t", "0", "sh2");
    const term = onTerminal(cli, ["start", "-ai", "--detach-keys", "ctrl-q", "sh2"]);
    await until("this run's line", () => (term.out().includes("ran\n") ? true : undefined));
    term.child.stdin.write("echo three-3\n");
    await until("the answer", () => (term.out().includes("three-3\n") ? true : undefined));
    term.child.stdin.write("\u0011");
    expect(await term.exited).toBe(0);
    expect(term.out()).not.toContain("read escape sequence");
    // The log holds both runs; this session showed the second one only.
    expect(term.out().match(/ran\n/g)).toHaveLength(1);
    expect((await cli.ok("logs", "sh2")).replace(/\r/g, "").match(/ran\n/g)).toHaveLength(2);
    expect(await status("sh2")).toBe("running");
  }, 90_000);

  it("run -dit from a terminal: the container's terminal starts at its size (ConsoleSize)", async () => {
    const term = onTerminal(cli, ["run", "-dit", "--network", "none", "--name", "sized", image, "sh"]);
    expect(await term.exited).toBe(0);
    expect(await cli.ok("exec", "sized", "sh", "-c", "stty size < /proc/1/fd/0")).toBe("33 101\n");
    expect((await cli.ok("inspect", "-f", "{{json .HostConfig.ConsoleSize}}", "sized")).trim()).toBe(
      "[33,101]",
    );
    // Without a terminal there is no size to give: Docker's [0,0].
    await cli.ok("run", "-dit", "--network", "none", "--name", "unsized", image, "sh");
    expect((await cli.ok("inspect", "-f", "{{json .HostConfig.ConsoleSize}}", "unsized")).trim()).toBe(
      "[0,0]",
    );
  }, 60_000);

  it("refuses bad keys with nothing made, and takes --detach-keys on exec", async () => {
    const bad = await cli.run(["run", "-i", "--detach-keys", "ctrl-pp", "--name", "no", image, "true"]);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain("invalid detach keys (ctrl-pp) provided");
    expect(await cli.ok("ps", "-aq")).toBe("");
    const badStart = await cli.run(["start", "-ai", "--detach-keys", "ctrl-", "nothing"]);
    expect(badStart.code).not.toBe(0);
    expect(badStart.stderr).toContain("invalid detach keys (ctrl-) provided");
    // An empty value is none given (Docker's CLI), not refused: run and start -a go on as without it.
    const empty = await cli.run([
      "run",
      "-i",
      "--network",
      "none",
      "--detach-keys",
      "",
      "--name",
      "e1",
      image,
      "echo",
      "e1",
    ]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe("e1\n");
    const emptyStart = await cli.run(["start", "-a", "--detach-keys", "", "e1"]);
    expect(emptyStart.code).toBe(0);
    expect(emptyStart.stdout).toBe("e1\n");
    await cli.ok("rm", "e1");
    await cli.ok("run", "-d", "--network", "none", "--name", "svc", image, "sleep", "60");
    expect(await cli.ok("exec", "--detach-keys", "ctrl-z", "svc", "echo", "in")).toBe("in\n");
    const badExec = await cli.run(["exec", "--detach-keys", "nope", "svc", "true"]);
    expect(badExec.code).toBe(1);
    expect(badExec.stderr).toContain("invalid detach keys (nope) provided");
  }, 60_000);
});
