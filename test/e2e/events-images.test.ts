import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { removeRootBridges } from "./helpers/network.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { busyboxRootfsTars, type RootfsTars } from "./helpers/rootfs-tar.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

interface Ev {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  id?: string;
  status?: string;
  ID?: string;
  Status?: string;
}

/**
 * Image and network events as Docker's daemon logs them: the image verbs (pull, import, tag, push,
 * save, rmi, load, image prune) and a user network's life (create, a container's connect and
 * disconnect, rm), read back with `events --since/--until` and its filters.
 */
describe("image and network events", () => {
  let dir: string;
  let cli: WharfCli;
  let reg: RunningRegistry;
  let tars: RootfsTars;
  /** The busybox image the first test pushes and pulls. */
  let box = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-events-images-"));
    [cli, reg, tars] = await Promise.all([wharfCli(), startDistribution(), busyboxRootfsTars(dir)]);
  }, 120_000);

  afterAll(async () => {
    if (cli) {
      await removeContainers(cli);
      await cli.run(["network", "rm", "evnet", "evnet2"]);
      await removeRootBridges(cli.root);
      await cli.close();
    }
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const events = async (since: string, ...filters: string[]): Promise<Ev[]> => {
    const out = await cli.ok(
      "events",
      "--since",
      since,
      "--until",
      "0s",
      ...filters.flatMap((x) => ["--filter", x]),
      "--format",
      "{{json .}}",
    );
    return out
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Ev);
  };
  const brief = (e: Ev) => [e.Action, e.Actor.ID, e.Actor.Attributes];

  it("pull, import, tag, push, save, rmi, load, image prune; network create, run on it, rm", async () => {
    const { ref } = await pushBusyboxWith(reg, join(dir, "layout"), {
      repo: "evbox",
      tag: "1",
      applets: ["sh", "true", "sleep"],
      cmd: ["true"],
    });
    box = ref;
    const repo = `${reg.host}/e2e/evbox`;
    const labelled = `${reg.host}/e2e/labelled:1`;
    const since = String(Date.now() / 1000);

    await cli.ok("pull", "-q", ref);
    const boxId = (await cli.ok("inspect", "-f", "{{.Id}}", ref)).trim();
    const importedId = (await cli.ok("import", "-c", "LABEL team=core", tars.tar, labelled)).trim();
    await cli.ok("tag", ref, "evcopy:2");
    await cli.ok("push", "-q", labelled);
    const archive = join(dir, "evcopy.tar");
    await cli.ok("save", "-o", archive, "evcopy:2");
    await cli.ok("rmi", "evcopy:2");
    await cli.ok("load", "-q", "-i", archive);
    await cli.ok("rmi", labelled);
    // A failed operation records nothing.
    expect((await cli.run(["rmi", "nothing:here"])).code).not.toBe(0);
    expect((await cli.run(["tag", "nothing:here", "other:1"])).code).not.toBe(0);
    const danglingId = (await cli.ok("import", tars.tar)).trim();
    const pruned = await cli.ok("image", "prune", "-f");
    expect(pruned).toContain(`deleted: ${danglingId}`);
    const reclaimed = pruned.match(/Total reclaimed space: (.*)/)?.[1];
    expect(reclaimed).toBeDefined();

    const netId = (await cli.ok("network", "create", "evnet")).trim();
    await cli.ok("run", "--name", "evc", "--network", "evnet", ref, "true");
    const cid = (await cli.ok("inspect", "-f", "{{.Id}}", "evc")).trim();
    await cli.ok("rm", "evc");
    await cli.ok("network", "rm", "evnet");
    const team = { team: "core" };

    const images = await events(since, "type=image");
    const prune = images.at(-1);
    expect(images.map(brief).slice(0, -1)).toEqual([
      ["pull", ref, { name: repo }],
      ["tag", importedId, { ...team, name: labelled }],
      ["import", importedId, { ...team, name: importedId }],
      ["tag", boxId, { name: "evcopy:2" }],
      ["push", labelled, { ...team, name: `${reg.host}/e2e/labelled` }],
      ["save", boxId, { name: boxId }],
      ["untag", boxId, { name: boxId }],
      ["load", boxId, { name: boxId }],
      ["untag", importedId, { ...team, name: importedId }],
      ["delete", importedId, { name: importedId }],
      ["import", danglingId, { name: danglingId }],
      ["delete", danglingId, { name: danglingId }],
    ]);
    expect(prune?.Action).toBe("prune");
    expect(prune?.Actor.ID).toBe("");
    expect(Number(prune?.Actor.Attributes.reclaimed)).toBeGreaterThan(0);
    // Docker's deprecated fields on image events: id and status (no from).
    const first = images[0] as Ev;
    expect(Object.keys(first)).toEqual([
      "status",
      "id",
      "Type",
      "Action",
      "Actor",
      "scope",
      "time",
      "timeNano",
    ]);
    expect([first.id, first.status]).toEqual([ref, "pull"]);
    expect(Object.keys((await events(since, "type=network"))[0] ?? {})).toEqual([
      "Type",
      "Action",
      "Actor",
      "scope",
      "time",
      "timeNano",
    ]);

    const nets = await events(since, "type=network");
    const attrs = { name: "evnet", type: "bridge" };
    expect(nets.map(brief)).toEqual([
      ["create", netId, attrs],
      ["connect", netId, { ...attrs, container: cid }],
      ["disconnect", netId, { ...attrs, container: cid }],
      ["destroy", netId, attrs],
    ]);

    // `image=` matches an image event's ID or name, also without its tag.
    const byImage = await events(since, `image=${reg.host}/e2e/labelled`);
    expect(byImage.map((e) => e.Action)).toEqual(["tag", "push"]);
    const byId = await events(since, `image=${importedId}`, "type=image");
    expect(byId.map((e) => e.Action)).toEqual(["tag", "import", "untag", "delete"]);
    expect((await events(since, "network=evnet")).map((e) => e.Action)).toEqual([
      "create",
      "connect",
      "disconnect",
      "destroy",
    ]);
    expect((await events(since, `network=${netId.slice(0, 12)}`, "event=connect")).length).toBe(1);
    // The plain line: time, type, action, actor, sorted attributes.
    const line = await cli.ok(
      "events",
      "--since",
      since,
      "--until",
      "0s",
      "--filter",
      "network=evnet",
      "--filter",
      "event=create",
    );
    expect(line).toMatch(new RegExp(` network create ${netId} \\(name=evnet, type=bridge\\)\\n$`));

    // `run`'s pull of a missing image is a `pull` too, as Docker's daemon pulls for it.
    const later = String(Date.now() / 1000);
    await cli.ok("rmi", ref);
    await cli.ok("create", "-q", "--name", "evc2", ref, "true");
    expect((await events(later, "type=image")).map(brief)).toEqual([
      ["untag", boxId, { name: boxId }],
      ["pull", ref, { name: repo }],
    ]);
  }, 240_000);

  it("network connect and disconnect of a running container; rm -f's disconnect; network prune", async () => {
    const since = String(Date.now() / 1000);
    const netId = (await cli.ok("network", "create", "evnet2")).trim();
    const bridgeId = (await cli.ok("network", "inspect", "-f", "{{.Id}}", "bridge")).trim();
    const cid = (await cli.ok("run", "-d", "--name", "evd", box, "sleep", "30")).trim();
    await cli.ok("network", "connect", "evnet2", "evd");
    await cli.ok("network", "disconnect", "evnet2", "evd");
    await cli.ok("rm", "-f", "evd");
    await cli.ok("network", "prune", "-f");
    const on = (name: string, extra: Record<string, string> = {}) => ({ ...extra, name, type: "bridge" });
    expect((await events(since, "type=network")).map(brief)).toEqual([
      ["create", netId, on("evnet2")],
      ["connect", bridgeId, on("bridge", { container: cid })],
      ["connect", netId, on("evnet2", { container: cid })],
      ["disconnect", netId, on("evnet2", { container: cid })],
      ["disconnect", bridgeId, on("bridge", { container: cid })],
      ["destroy", netId, on("evnet2")],
      ["prune", "", { reclaimed: "0" }],
    ]);
  }, 120_000);

  it("build -t: a `tag` event per name, with the built image's ID and labels", async () => {
    const ctxDir = join(dir, "buildctx");
    await mkdir(ctxDir, { recursive: true });
    await writeFile(join(ctxDir, "Dockerfile"), `FROM ${box}\nLABEL stage=built\n`);
    const since = String(Date.now() / 1000);
    const id = (await cli.ok("build", "-q", "-t", "evbuilt:1", "-t", "evbuilt:2", ctxDir)).trim();
    expect((await events(since, "type=image", "event=tag")).map(brief)).toEqual([
      ["tag", id, { stage: "built", name: "evbuilt:1" }],
      ["tag", id, { stage: "built", name: "evbuilt:2" }],
    ]);
  }, 120_000);
});
