import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { removeRootBridges } from "./helpers/network.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "cat", "env", "sleep", "true", "ping", "grep", "sort"];

/**
 * `run|create --link` end to end (the built CLI, runc, the CNI plugins, a busybox image from
 * Distribution): Docker's variables and /etc/hosts line on the default bridge, the linked
 * container reached by its alias, the refusals with nothing made, `inspect`'s Links, the link
 * resolved again at a later start, and the alias form on a user-defined network.
 */
describe("legacy container links", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const names = async () =>
    (await cli.ok("ps", "-a", "--format", "{{.Names}}")).split("\n").filter(Boolean).sort();
  const ipOf = async (name: string) =>
    (await cli.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", name)).trim();
  const idOf = async (name: string) => (await cli.ok("inspect", "-f", "{{.Id}}", name)).trim();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-links-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "linkbox",
        tag: "1",
        applets: APPLETS,
        cmd: ["sh"],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
  }, 180_000);

  afterEach(async () => {
    const left = (await cli.ok("ps", "-aq")).split("\n").filter(Boolean);
    if (left.length > 0) await cli.run(["rm", "-f", ...left]);
    await removeContainers(cli);
  });

  afterAll(async () => {
    await cli?.run(["network", "prune", "-f"]);
    if (cli) await removeRootBridges(cli.root);
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("on the default bridge: Docker's variables and hosts line, and the alias reaches the linked container", async () => {
    await cli.ok("run", "-d", "--name", "db", "-e", "PASSWORD=x", "--expose", "5432", image, "sleep", "600");
    const ip = await ipOf("db");
    const id = await idOf("db");
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const out = await cli.ok(
      "run",
      "--rm",
      "--name",
      "web",
      "--link",
      "db:database",
      image,
      "sh",
      "-c",
      "env | sort; echo ---; cat /etc/hosts; echo ---; ping -c1 -W3 database >/dev/null && echo reached",
    );
    const [env = "", hosts = "", ping = ""] = out.split("---\n");
    const vars = env.split("\n").filter((l) => l.startsWith("DATABASE_"));
    expect(vars).toEqual(
      [
        `DATABASE_ENV_PASSWORD=x`,
        `DATABASE_NAME=/web/database`,
        `DATABASE_PORT=tcp://${ip}:5432`,
        `DATABASE_PORT_5432_TCP=tcp://${ip}:5432`,
        `DATABASE_PORT_5432_TCP_ADDR=${ip}`,
        `DATABASE_PORT_5432_TCP_PORT=5432`,
        `DATABASE_PORT_5432_TCP_PROTO=tcp`,
      ].sort(),
    );
    // Docker leaves out the linked container's HOME and PATH.
    expect(env).not.toContain("DATABASE_ENV_PATH");
    expect(hosts.split("\n")).toContain(`${ip}\tdatabase ${id.slice(0, 12)} db`);
    expect(ping).toBe("reached\n");
    expect(await names()).toEqual(["db"]);
    // The alias defaults to the name; the line then names it once.
    const plain = await cli.ok(
      "run",
      "--rm",
      "--link",
      "db",
      image,
      "sh",
      "-c",
      "grep -w db /etc/hosts; env | grep ^DB_NAME",
    );
    expect(plain).toMatch(
      new RegExp(`^${ip.replaceAll(".", "\\.")}\\tdb ${id.slice(0, 12)}\\nDB_NAME=/[a-z_]+/db\\n$`),
    );
  }, 120_000);

  it("refuses a missing or stopped linked container with Docker's words and makes nothing", async () => {
    const missing = await cli.run(["run", "--rm", "--name", "web", "--link", "nope:db", image, "true"]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain("could not get container for nope");
    await cli.ok("run", "--name", "stopped", image, "true");
    const stopped = await cli.run(["run", "--name", "web", "--link", "stopped:db", image, "true"]);
    expect(stopped.code).toBe(125);
    expect(stopped.stderr).toContain("Cannot link to a non running container: /stopped AS /web/db");
    expect(await names()).toEqual(["stopped"]);
    const missingCreate = await cli.run(["create", "--name", "web", "--link", "nope", image, "true"]);
    expect(missingCreate.code).not.toBe(0);
    expect(missingCreate.stderr).toContain("could not get container for nope");
    expect(await names()).toEqual(["stopped"]);
    // Docker's conflicts with the host's network and another container's.
    await cli.ok("run", "-d", "--name", "db", image, "sleep", "600");
    const host = await cli.run(["run", "--rm", "--network", "host", "--link", "db", image, "true"]);
    expect(host.code).toBe(125);
    expect(host.stderr).toContain("conflicting options: host type networking can't be used with links");
    const shared = await cli.run(["run", "--rm", "--network", "container:db", "--link", "db", image, "true"]);
    expect(shared.code).toBe(125);
    expect(shared.stderr).toContain("conflicting options: container type network can't be used with links");
    expect(await names()).toEqual(["db", "stopped"]);
    // With --network none the link is kept (the container must exist) and adds nothing, as Docker.
    const none = await cli.run([
      "run",
      "--rm",
      "--network",
      "none",
      "--link",
      "db",
      image,
      "sh",
      "-c",
      "env | grep -c ^DB_",
    ]);
    expect([none.code, none.stdout]).toEqual([1, "0\n"]);
  }, 120_000);

  it("a restart policy's restarts get the links' hosts line and variables too (the keeper's own resolution)", async () => {
    await cli.ok("run", "-d", "--name", "db", image, "sleep", "600");
    const id = await idOf("db");
    const ip = await ipOf("db");
    await cli.ok(
      "run",
      "-d",
      "--name",
      "web",
      "--restart",
      "on-failure:2",
      "--link",
      "db:database",
      image,
      "sh",
      "-c",
      "grep -w database /etc/hosts; echo $DATABASE_NAME; exit 3",
    );
    const deadline = Date.now() + 30_000;
    let state = "";
    while (Date.now() < deadline) {
      state = (await cli.ok("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", "web")).trim();
      if (state === "exited 2") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toBe("exited 2");
    const line = `${ip}\tdatabase ${id.slice(0, 12)} db\n/web/database\n`;
    expect(await cli.ok("logs", "web")).toBe(line.repeat(3));
  }, 120_000);

  it("inspect shows HostConfig.Links as Docker; a start resolves the link again, and fails while it is stopped", async () => {
    await cli.ok("run", "-d", "--name", "db", image, "sleep", "600");
    const id = await idOf("db");
    const before = await ipOf("db");
    // Given by ID prefix, kept by the linked container's name (as Docker shows it).
    await cli.ok(
      "create",
      "--name",
      "web",
      "--link",
      `${id.slice(0, 10)}:database`,
      image,
      "sh",
      "-c",
      "grep -w database /etc/hosts",
    );
    expect(JSON.parse(await cli.ok("inspect", "-f", "{{json .HostConfig.Links}}", "web"))).toEqual([
      "/db:/web/database",
    ]);
    expect((await cli.ok("start", "-a", "web")).split("\t")[0]).toBe(await ipOf("db"));
    await cli.ok("stop", "-t", "0", "db");
    const refused = await cli.run(["start", "-a", "web"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Cannot link to a non running container: /db AS /web/database");
    // Another container takes the address db had; db's next start gets another one.
    await cli.ok("run", "-d", "--name", "other", image, "sleep", "600");
    await cli.ok("start", "db");
    const now = await ipOf("db");
    expect(now).not.toBe(before);
    expect(await cli.ok("start", "-a", "web")).toBe(`${now}\tdatabase ${id.slice(0, 12)} db\n`);
    // rm --link /PARENT/ALIAS removes the link (Docker's rmLink), not a container.
    expect(await cli.ok("rm", "--link", "/web/database")).toBe("/web/database\n");
    expect((await cli.ok("inspect", "-f", "{{json .HostConfig.Links}}", "web")).trim()).toBe("null");
    // Its next start has no such line (grep finds nothing: exit 1).
    const unlinked = await cli.run(["start", "-a", "web"]);
    expect([unlinked.code, unlinked.stdout]).toEqual([1, ""]);
    expect(await names()).toEqual(["db", "other", "web"]);
    const gone = await cli.run(["rm", "--link", "/web/database"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("No such container: /web/database");
    const bare = await cli.run(["rm", "-l", "database"]);
    expect(bare.stderr).toContain("Conflict, cannot remove the default link name of the container");
    const orphan = await cli.run(["rm", "-l", "/nope/database"]);
    expect(orphan.stderr).toContain("Cannot get parent /nope for link name /nope/database");
    // A detached start (the shim's path) gets them too.
    await cli.ok("rm", "web");
    await cli.ok("run", "-d", "--name", "web", "--link", "db:database", image, "sleep", "600");
    expect(await cli.ok("exec", "web", "sh", "-c", "grep -w database /etc/hosts; echo $DATABASE_NAME")).toBe(
      `${now}\tdatabase ${id.slice(0, 12)} db\n/web/database\n`,
    );
  }, 120_000);

  it("on a user-defined network: an alias for this container only, no variables, no HostConfig.Links", async () => {
    await cli.ok("network", "create", "linknet");
    await cli.ok("run", "-d", "--name", "udb", "--network", "linknet", image, "sleep", "600");
    const ip = (
      await cli.ok("inspect", "-f", '{{(index .NetworkSettings.Networks "linknet").IPAddress}}', "udb")
    ).trim();
    const out = await cli
      .ok(
        "run",
        "--rm",
        "--name",
        "uweb",
        "--network",
        "linknet",
        "--link",
        "udb:kv",
        image,
        "sh",
        "-c",
        "env | grep -c ^KV_; echo ---; cat /etc/hosts; echo ---; ping -c1 -W3 kv >/dev/null && echo reached",
      )
      .catch((e: Error) => e.message);
    const [count = "", hosts = "", ping = ""] = out.split("---\n");
    expect(count.trim()).toBe("0");
    expect(hosts.split("\n")).toContain(`${ip}\tkv`);
    expect(ping).toBe("reached\n");
    // Another container of the network has no such name.
    const other = await cli.run([
      "run",
      "--rm",
      "--network",
      "linknet",
      image,
      "sh",
      "-c",
      "grep -cw kv /etc/hosts",
    ]);
    expect(other.stdout.trim()).toBe("0");
    await cli.ok("create", "--name", "uweb2", "--network", "linknet", "--link", "udb:kv", image, "true");
    expect((await cli.ok("inspect", "-f", "{{json .HostConfig.Links}}", "uweb2")).trim()).toBe("null");
  }, 120_000);

  it("network connect --link: an alias on that user-defined network, kept across a restart; refused on the default bridge", async () => {
    await cli.ok("network", "create", "cnet");
    await cli.ok("run", "-d", "--name", "cdb", "--network", "cnet", image, "sleep", "600");
    await cli.ok("run", "-d", "--name", "cweb", image, "sleep", "600");
    const ip = (
      await cli.ok("inspect", "-f", '{{(index .NetworkSettings.Networks "cnet").IPAddress}}', "cdb")
    ).trim();
    await cli.ok("network", "connect", "--link", "cdb:store", "cnet", "cweb");
    const hosts = await cli.ok("exec", "cweb", "cat", "/etc/hosts");
    expect(hosts.split("\n")).toContain(`${ip}\tstore`);
    expect(await cli.ok("exec", "cweb", "sh", "-c", "ping -c1 -W3 store >/dev/null && echo reached")).toBe(
      "reached\n",
    );
    expect(
      (
        await cli.ok("inspect", "-f", '{{json (index .NetworkSettings.Networks "cnet").Links}}', "cweb")
      ).trim(),
    ).toBe('["cdb:store"]');
    // Its next start resolves it again.
    await cli.ok("restart", "-t", "0", "cweb");
    expect((await cli.ok("exec", "cweb", "cat", "/etc/hosts")).split("\n")).toContain(`${ip}\tstore`);
    // Docker's refusals: the default bridge, a linked container that does not exist; nothing changed.
    await cli.ok("run", "-d", "--name", "conly", "--network", "cnet", image, "sleep", "600");
    const bridge = await cli.run(["network", "connect", "--link", "cdb:x", "bridge", "conly"]);
    expect(bridge.code).toBe(1);
    expect(bridge.stderr).toMatch(/^Error: links are only supported for user-defined networks\n/);
    await cli.ok("network", "create", "cnet2");
    const missing = await cli.run(["network", "connect", "--link", "nosuch:x", "cnet2", "conly"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/could not get container for nosuch/);
    expect((await cli.ok("inspect", "-f", "{{len .NetworkSettings.Networks}}", "conly")).trim()).toBe("1");
  }, 120_000);

  it("the links' hosts lines follow network connect and disconnect of either container, not only its next start", async () => {
    await cli.ok("network", "create", "ln1");
    await cli.ok("network", "create", "ln2");
    const addr = async (c: string, n: string) =>
      (await cli.ok("inspect", "-f", `{{(index .NetworkSettings.Networks "${n}").IPAddress}}`, c)).trim();
    const kv = async () =>
      (await cli.ok("exec", "lweb", "cat", "/etc/hosts")).split("\n").filter((l) => /\tkv$/.test(l));
    await cli.ok("run", "-d", "--name", "ldb", "--network", "ln1", image, "sleep", "600");
    await cli.ok(
      "run",
      "-d",
      "--name",
      "lweb",
      "--network",
      "ln1",
      "--link",
      "ldb:kv",
      image,
      "sleep",
      "600",
    );
    const on1 = await addr("ldb", "ln1");
    expect(await kv()).toEqual([`${on1}\tkv`]);
    // This container joins another network: its link's line stays (was lost until its next start).
    await cli.ok("network", "connect", "ln2", "lweb");
    expect(await kv()).toEqual([`${on1}\tkv`]);
    // The linked container joins ln2 and leaves ln1: the line follows it to its ln2 address.
    await cli.ok("network", "connect", "ln2", "ldb");
    await cli.ok("network", "disconnect", "ln1", "ldb");
    const on2 = await addr("ldb", "ln2");
    expect(await kv()).toEqual([`${on2}\tkv`]);
    // This container leaves the one network they share: no line any more.
    await cli.ok("network", "disconnect", "ln2", "lweb");
    expect(await kv()).toEqual([]);
  }, 120_000);
});
