import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../compose/index.js";
import type { ContainerRecord, WharfEvent } from "../../runtime/index.js";
import { runCli } from "../testing/capture.js";
import { VERSION } from "../version.js";
import { eventJson, eventLine, eventTime } from "./compose-events.js";
import { imageRows, imagesTable, quietIds, splitRepoTag } from "./compose-images.js";
import { lsTable, projectStacks } from "./compose-ls.js";
import { replicasOf, scaleOf } from "./compose-replicas.js";
import { topTable } from "./compose-top.js";
import { composeVersion } from "./compose-version.js";

/** Just what the formatters read of a container record. */
function rec(o: {
  name: string;
  project?: string;
  files?: string;
  state?: string;
  paused?: boolean;
  image?: string;
  imageId?: string;
}): ContainerRecord {
  const labels: Record<string, string> = {};
  if (o.project) labels["com.docker.compose.project"] = o.project;
  if (o.files) labels["com.docker.compose.project.config_files"] = o.files;
  return {
    id: `${o.name}-id`,
    name: o.name,
    image: o.image ?? "busybox",
    imageId: o.imageId ?? `sha256:${"ab".repeat(32)}`,
    options: { labels },
    state: o.state ?? "running",
    paused: o.paused ?? false,
    created: "2026-01-01T00:00:00Z",
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:00:01Z",
    exitCode: 0,
    path: "sh",
    args: [],
  } as unknown as ContainerRecord;
}

describe("compose ls", () => {
  it("groups containers by project: states counted and sorted, config files once each", () => {
    const stacks = projectStacks([
      rec({ name: "b-web-1", project: "b", files: "/p/b/compose.yaml" }),
      rec({ name: "a-db-1", project: "a", files: "/p/a/compose.yaml,/p/a/over.yaml", state: "exited" }),
      rec({ name: "a-web-1", project: "a", files: "/p/a/compose.yaml,/p/a/over.yaml" }),
      rec({ name: "a-job-1", project: "a", files: "/p/a/compose.yaml", paused: true }),
      rec({ name: "loose" }),
    ]);
    expect(stacks).toEqual([
      {
        Name: "a",
        Status: "exited(1), paused(1), running(1)",
        ConfigFiles: "/p/a/compose.yaml,/p/a/over.yaml",
      },
      { Name: "b", Status: "running(1)", ConfigFiles: "/p/b/compose.yaml" },
    ]);
    expect(lsTable(stacks)).toBe(
      [
        "NAME                STATUS                             CONFIG FILES",
        "a                   exited(1), paused(1), running(1)   /p/a/compose.yaml,/p/a/over.yaml",
        "b                   running(1)                         /p/b/compose.yaml",
        "",
      ].join("\n"),
    );
  });

  it("refuses filters other than name", async () => {
    const r = await runCli(["compose", "ls", "--filter", "status=running"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("invalid filter 'status'");
  });
});

describe("compose images", () => {
  it("splits a reference into repository and tag", () => {
    expect(splitRepoTag("localhost:5000/app:1")).toEqual({ repository: "localhost:5000/app", tag: "1" });
    expect(splitRepoTag("localhost:5000/app")).toEqual({ repository: "localhost:5000/app", tag: "latest" });
    expect(splitRepoTag(`app@sha256:${"0".repeat(64)}`)).toEqual({ repository: "app", tag: "" });
  });

  it("prints Compose's columns, sizes with 3 digits, IDs short; -q each ID once, json the rows", () => {
    const id = `sha256:${"12".repeat(32)}`;
    const rows = imageRows(
      [
        rec({ name: "p-web-1", image: "localhost:5000/web:1", imageId: id }),
        rec({ name: "p-db-1", image: "redis", imageId: id }),
      ],
      () => 4_325_000,
    );
    expect(rows[0]).toEqual({
      ID: id,
      ContainerName: "p-db-1",
      Repository: "redis",
      Tag: "latest",
      Size: 4_325_000,
    });
    expect(imagesTable(rows)).toBe(
      [
        "CONTAINER           REPOSITORY           TAG                 IMAGE ID            SIZE",
        "p-db-1              redis                latest              121212121212        4.33MB",
        "p-web-1             localhost:5000/web   1                   121212121212        4.33MB",
        "",
      ].join("\n"),
    );
    expect(quietIds(rows)).toEqual(["12".repeat(32)]);
  });
});

describe("compose top", () => {
  it("one table: SERVICE and # first, CMD last, - for a column a container lacks", () => {
    const text = topTable([
      {
        service: "web",
        replica: "1",
        titles: ["UID", "PID", "CMD"],
        processes: [["root", "10", "httpd -f"]],
      },
      {
        service: "db",
        replica: "2",
        titles: ["UID", "PID", "CMD", "EXTRA"],
        processes: [["root", "11", "sleep 1", "x"]],
      },
    ]);
    expect(text).toBe(
      [
        "SERVICE  #   UID   PID  EXTRA  CMD",
        "web      1   root  10   -      httpd -f",
        "db       2   root  11   x      sleep 1",
        "",
      ].join("\n"),
    );
    expect(topTable([])).toBe("");
  });
});

describe("compose version", () => {
  it("prints the line, --short and --format json", () => {
    expect(composeVersion("pretty", false)).toBe(`wharf compose version v${VERSION}`);
    expect(composeVersion("pretty", true)).toBe(VERSION);
    expect(JSON.parse(composeVersion("json", false))).toEqual({ version: `v${VERSION}` });
  });
});

describe("compose events", () => {
  const e: WharfEvent = {
    Type: "container",
    Action: "pause",
    Actor: {
      ID: "c0ffee",
      Attributes: {
        name: "p-web-1",
        image: "busybox",
        "com.docker.compose.service": "web",
        "com.docker.compose.project": "p",
      },
    },
    scope: "local",
    time: 1_767_225_600,
    timeNano: 1_767_225_600 * 1e9 + 123_456_789,
  };
  it("prints Compose's line and JSON without Compose's labels", () => {
    expect(eventTime(e.timeNano)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.123456$/);
    expect(eventLine(e)).toBe(
      `${eventTime(e.timeNano)} container pause c0ffee (image=busybox, name=p-web-1)`,
    );
    const j = JSON.parse(eventJson(e)) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(["action", "attributes", "id", "service", "time", "type"]);
    expect(j).toMatchObject({ action: "pause", id: "c0ffee", service: "web", type: "container" });
    expect(j.attributes).toEqual({ image: "busybox", name: "p-web-1" });
    expect(j.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.1234567\d*(Z|[+-]\d\d:\d\d)$/);
  });
});

describe("compose help", () => {
  it("lists every verb with its description, alone (stderr) and with --help", async () => {
    const alone = await runCli(["compose"]);
    expect(alone.stderr).toMatch(/^ {2}attach {6}Attach local standard input/m);
    expect(alone.stderr).toMatch(/^ {2}wait {8}Block until containers/m);
    const help = await runCli(["compose", "--help"]);
    expect(help.stdout).toContain("Commands:\n  attach");
    expect(help.stdout).toMatch(/^ {2}version {5}Show the Docker Compose version information$/m);
  });
});

describe("compose replicas", () => {
  const project = (yaml: string) => {
    const dir = mkdtempSync(join(tmpdir(), "wharf-compose-replicas-"));
    try {
      writeFileSync(join(dir, "compose.yaml"), yaml);
      return loadProject({ cwd: dir, env: {}, projectName: "p" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  it("takes --scale over the file's deploy.replicas or scale, else 1", () => {
    const p = project(
      "services:\n  a: {image: x, deploy: {replicas: 3}}\n  b: {image: x, scale: 2}\n  c: {image: x}\n",
    );
    const [a, b, c] = p.services;
    if (!a || !b || !c) throw new Error("services");
    expect([replicasOf(a, {}), replicasOf(b, {}), replicasOf(c, {})]).toEqual([3, 2, 1]);
    expect(replicasOf(a, scaleOf(p, ["a=0"]))).toBe(0);
    expect(() => scaleOf(p, ["z=2"])).toThrow("no such service: z");
    expect(() => scaleOf(p, ["a=two"])).toThrow('invalid scale option "a=two"');
  });
  it("refuses a shared container_name and distinct scale and replicas, as Compose", () => {
    const p = project(
      "services:\n  a: {image: x, container_name: one}\n  b: {image: x, scale: 2, deploy: {replicas: 3}}\n",
    );
    const [a, b] = p.services;
    if (!a || !b) throw new Error("services");
    expect(() => scaleOf(p, ["a=2"])).toThrow(
      "can't set container_name and a as container name must be unique",
    );
    expect(() => replicasOf(b, {})).toThrow("can't set distinct values on 'scale' and 'deploy.replicas'");
    expect(() => project("services:\n  a: {image: x, deploy: {placement: {}}}\n")).toThrow(
      "wharf compose does not support services.a.deploy.placement",
    );
  });
});
