import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeleteRecord } from "../../images/index.js";
import { readEvents, type WharfEvent } from "../../runtime/index.js";
import type { Context } from "../context.js";
import { executeTemplate, parseGoTemplate } from "../render/index.js";
import { eventFilter, templateData } from "./events.js";
import { deleteEvents, imageEvent, loggedByName } from "./image-events.js";

let root: string;
beforeEach(async () => {
  root = join(await mkdtemp(join(tmpdir(), "wharf-image-events-")), "root");
});
afterEach(async () => {
  await rm(join(root, ".."), { recursive: true, force: true });
});

const ctx = () => ({ root }) as Context;

async function all(): Promise<WharfEvent[]> {
  const out: WharfEvent[] = [];
  for await (const e of readEvents({ root })) out.push(e);
  return out;
}

const brief = (e: WharfEvent) => [e.Action, e.Actor.ID, e.Actor.Attributes];
const ID = `sha256:${"a".repeat(64)}`;
const ID2 = `sha256:${"b".repeat(64)}`;

function event(
  Type: WharfEvent["Type"],
  Action: string,
  ID: string,
  Attributes: Record<string, string>,
): WharfEvent {
  return { Type, Action, Actor: { ID, Attributes }, scope: "local", time: 1, timeNano: 1_000_000_001 };
}

describe("image events", () => {
  it("carry the labels, then `name` (a label cannot hide it); no name: none", async () => {
    imageEvent(ctx(), "tag", ID, "web:1", { team: "core", name: "label" });
    imageEvent(ctx(), "prune", "", "", { reclaimed: "42" });
    expect((await all()).map(brief)).toEqual([
      ["tag", ID, { team: "core", name: "web:1" }],
      ["prune", "", { reclaimed: "42" }],
    ]);
  });

  it("an rmi or prune report: each image's untags (with its labels), then its delete (without)", async () => {
    const report: DeleteRecord[] = [
      { Untagged: "web:1" },
      { Untagged: "web@sha256:1111" },
      { Deleted: ID },
      { Deleted: ID2 },
    ];
    deleteEvents(ctx(), report, new Map([[ID, { team: "core" }]]));
    expect((await all()).map(brief)).toEqual([
      ["untag", ID, { team: "core", name: ID }],
      ["untag", ID, { team: "core", name: ID }],
      ["delete", ID, { name: ID }],
      ["delete", ID2, { name: ID2 }],
    ]);
  });

  it("an rmi that only untags: the image it named", async () => {
    deleteEvents(ctx(), [{ Untagged: "web:2" }], new Map(), ID);
    expect((await all()).map(brief)).toEqual([["untag", ID, { name: ID }]]);
  });

  it("rmi by name: the digest references of its repository that go with it have no event (Docker's)", () => {
    const report: DeleteRecord[] = [
      { Untagged: "localhost:5000/web:1" },
      { Untagged: `localhost:5000/web@sha256:${"1".repeat(64)}` },
      { Untagged: `other@sha256:${"2".repeat(64)}` },
      { Deleted: ID },
    ];
    expect(loggedByName(report)).toEqual([report[0], report[2], report[3]]);
    expect(loggedByName([{ Deleted: ID }])).toEqual([{ Deleted: ID }]);
  });
});

describe("events' filters and template on image and network events", () => {
  const pull = event("image", "pull", "localhost:5000/web:1", { name: "localhost:5000/web", team: "core" });
  const tag = event("image", "tag", ID, { name: "busybox:latest" });
  const run = event("container", "start", "c".repeat(64), { image: "busybox:latest", name: "box" });
  const net = event("network", "connect", "n".repeat(64), { name: "front", type: "bridge", container: "c" });

  it("image=: an image event's ID or name, a container's image, each also without its tag", () => {
    const keep = (f: string) => [pull, tag, run, net].filter(eventFilter([f])).map((e) => e.Action);
    expect(keep("image=localhost:5000/web")).toEqual(["pull"]);
    expect(keep("image=localhost:5000/web:1")).toEqual(["pull"]);
    expect(keep(`image=${ID}`)).toEqual(["tag"]);
    expect(keep("image=busybox")).toEqual(["tag", "start"]);
    expect(keep("image=busybox:latest")).toEqual(["tag", "start"]);
    expect(keep("type=image")).toEqual(["pull", "tag"]);
    expect(keep("label=team=core")).toEqual(["pull"]);
  });

  it("network=: a network event's name or ID (prefix)", () => {
    const keep = (f: string) => [pull, run, net].filter(eventFilter([f])).map((e) => e.Action);
    expect(keep("network=front")).toEqual(["connect"]);
    expect(keep("network=nnnn")).toEqual(["connect"]);
    expect(keep("network=back")).toEqual([]);
    expect(keep("type=network")).toEqual(["connect"]);
  });

  it("{{json .}} is Docker's events.Message; the Go field names stay for templates", () => {
    const json = (e: WharfEvent) => executeTemplate(parseGoTemplate("{{json .}}"), templateData(e));
    expect(json(pull)).toBe(
      '{"status":"pull","id":"localhost:5000/web:1","Type":"image","Action":"pull","Actor":{"ID":"localhost:5000/web:1","Attributes":{"name":"localhost:5000/web","team":"core"}},"scope":"local","time":1,"timeNano":1000000001}',
    );
    expect(json(net)).toBe(
      `{"Type":"network","Action":"connect","Actor":{"ID":"${"n".repeat(64)}","Attributes":{"container":"c","name":"front","type":"bridge"}},"scope":"local","time":1,"timeNano":1000000001}`,
    );
    expect(JSON.parse(json(run))).toMatchObject({
      status: "start",
      id: "c".repeat(64),
      from: "busybox:latest",
    });
    const fields =
      "{{.ID}}|{{.Status}}|{{.From}}|{{.Type}}|{{.Action}}|{{.Scope}}|{{.Time}}|{{.Actor.Attributes.name}}";
    expect(executeTemplate(parseGoTemplate(fields), templateData(tag))).toBe(
      `${ID}|tag||image|tag|local|1|busybox:latest`,
    );
  });
});
