import { execFileSync, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
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

const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;

/**
 * `wharf exec ...` on a terminal of its own (util-linux `script`'s pty, 33 x 101), as the session
 * leader (so that its end would hang up whatever it left in its session); `around` runs shell
 * lines before and after it on the same terminal instead (`$WHARF` is the command).
 */
function onTerminal(cli: WharfCli, args: string[], around?: string) {
  const wharf = [WHARF_CMD, "--root", cli.root, ...args].map(quote).join(" ");
  const cmd = around
    ? `stty rows 33 cols 101; WHARF=${quote(wharf)}; ${around}`
    : `stty rows 33 cols 101; exec ${wharf}`;
  const child = spawn("script", ["-qefc", cmd, "/dev/null"], {
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
  const text = () => out.replace(/\r/g, "");
  return {
    /** Types `keys`, one write each (as keys come from a terminal). */
    type: async (...keys: string[]) => {
      for (const k of keys) {
        child.stdin.write(k);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    exited,
    out: text,
    see: (re: RegExp) =>
      until(`${re} on the terminal (so far: ${JSON.stringify(text())})`, () =>
        re.test(text()) ? true : undefined,
      ),
  };
}

/** The `script` processes of wharf's exec sessions on this root (their keepers end with them). */
function execSessions(cli: WharfCli): string[] {
  const out = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.startsWith("script ") && l.includes(`${cli.root}/runc`));
}

/**
 * `exec -it` on a terminal detaches at the detach keys as Docker's: the process runs on with its
 * terminal (and what it started), the command ends with Docker's words and status; a key that only
 * begins the keys reaches the process; an exec that ends ends as before.
 */
describe("exec -it detach keys", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const ps = async (name: string) => (await cli.ok("top", name, "-o", "pid,args")).replace(/ +/g, " ");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-exec-detach-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "execdetach",
        tag: "1",
        applets: ["sh", "cat", "sleep", "stty", "tty", "readlink"],
        cmd: ["sh"],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
  }, 180_000);

  afterEach(async () => {
    await removeContainers(cli);
  });

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("ctrl-p ctrl-q leaves the shell running with its terminal; stop ends it and its keeper", async () => {
    await cli.ok("run", "-d", "--network", "none", "--name", "box", image, "sleep", "3000");
    const term = onTerminal(cli, ["exec", "-it", "box", "sh"]);
    await term.type("echo $$ > /sh.pid; tty > /sh.tty; sleep 1234 & echo started-$((40+2)); stty size\n");
    await term.see(/^started-42$/m);
    expect(term.out()).toMatch(/^33 101$/m);
    await term.type("\u0010", "\u0011");
    expect(await term.exited).toBe(1);
    // Docker's CLI ends an exec left at the keys with its hijack's error, "read escape sequence".
    expect(term.out()).toMatch(/read escape sequence\n$/);
    const running = await ps("box");
    expect(running).toMatch(/ sleep 1234$/m);
    expect(running).toMatch(/ sh$/m);
    // Its terminal is still there, still its own, and the process is in no hurry to leave: no
    // SIGHUP and no end of file reached it when this command's session ended.
    await new Promise((r) => setTimeout(r, 500));
    expect(await ps("box")).toMatch(/ sleep 1234$/m);
    const check =
      'p=$(cat /sh.pid); t=$(cat /sh.tty); kill -0 $p && [ "$(readlink /proc/$p/fd/0)" = "$t" ] && echo x > $t && echo open';
    expect(await cli.ok("exec", "box", "sh", "-c", check)).toBe("open\n");
    expect(execSessions(cli)).toHaveLength(1);
    // exec works again while it runs.
    expect(await cli.ok("exec", "box", "cat", "/proc/1/comm")).toBe("sleep\n");
    await cli.ok("stop", "-t", "1", "box");
    expect((await cli.ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "box")).trim()).toMatch(
      /^exited /,
    );
    // The session and its keeper end with the process, and the keeper removes runc's files.
    await until("the exec session's end", () => (execSessions(cli).length === 0 ? true : undefined));
    const id = (await cli.ok("inspect", "-f", "{{.Id}}", "box")).trim();
    await until("the exec files' removal", () => {
      try {
        return readdirSync(join(cli.root, "containers", id)).some((n) => n.startsWith("exec-"))
          ? undefined
          : true;
      } catch {
        return true;
      }
    });
  }, 90_000);

  it("--detach-keys ctrl-x,x: ctrl-p ctrl-q and a lone ctrl-x reach the shell; config.json's keys with an empty flag", async () => {
    await cli.ok("run", "-d", "--network", "none", "--name", "keys", image, "sleep", "3000");
    // The shell reads a line: ^P^Q and ^X y (not the keys) reach it whole.
    const line = `stty -ixon; IFS= read -r l; [ "$l" = "$(printf 'a\\020\\021b\\030y')" ] && echo line-ok; exec sh`;
    const term = onTerminal(cli, ["exec", "-it", "--detach-keys", "ctrl-x,x", "keys", "sh", "-c", line]);
    await new Promise((r) => setTimeout(r, 500));
    await term.type("a", "\u0010", "\u0011", "b", "\u0018", "y", "\n");
    await term.see(/^line-ok$/m);
    await term.type("\u0018", "x");
    expect(await term.exited).toBe(1);
    expect(term.out()).toContain("read escape sequence");
    expect(await ps("keys")).toMatch(/ sh$/m);

    // An empty --detach-keys is none given (Docker's): config.json's keys, here ctrl-a.
    await writeFile(join(cli.dockerConfig, "config.json"), JSON.stringify({ detachKeys: "ctrl-a" }));
    const again = onTerminal(cli, ["exec", "-it", "--detach-keys", "", "keys", "sh"]);
    await again.type("echo two-$((1+1))\n");
    await again.see(/^two-2$/m);
    await again.type("\u0001");
    expect(await again.exited).toBe(1);
    expect(again.out()).toContain("read escape sequence");
    await writeFile(join(cli.dockerConfig, "config.json"), "{}");
  }, 90_000);

  it("a lone ctrl-p followed by another key reaches the process; `exit 3` ends with 3, output and terminal as before", async () => {
    await cli.ok("run", "-d", "--network", "none", "--name", "plain", image, "sleep", "3000");
    const line = `IFS= read -r l; [ "$l" = "$(printf '\\020y')" ] && echo lone-ok; exec sh`;
    const term = onTerminal(
      cli,
      ["exec", "-it", "plain", "sh", "-c", line],
      'before=$(stty -g); eval "$WHARF"; code=$?; [ "$(stty -g)" = "$before" ] && echo terminal-restored; echo "code=$code"',
    );
    await new Promise((r) => setTimeout(r, 500));
    await term.type("\u0010", "y", "\n");
    await term.see(/^lone-ok$/m);
    // The output just before the end is all shown.
    await term.type("i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done; exit 3\n");
    expect(await term.exited).toBe(0);
    expect(term.out()).toMatch(/^line-299\n/m);
    expect(term.out()).toMatch(/^terminal-restored\ncode=3\n$/m);
    expect(term.out()).not.toContain("read escape sequence");
    expect(await ps("plain")).not.toMatch(/ sh$/m);
    // `script` ends on its own shortly after (it waits 10 ms for more output), not waited for.
    await until("the exec session's end", () => (execSessions(cli).length === 0 ? true : undefined));
  }, 90_000);

  it("-i without -t passes the keys through, as Docker's (it watches for them with a TTY only)", async () => {
    await cli.ok("run", "-d", "--network", "none", "--name", "pipe", image, "sleep", "3000");
    const r = await cli.run(["exec", "-i", "pipe", "cat"], { input: "a\u0010\u0011b\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("a\u0010\u0011b\n");
  }, 60_000);
});
