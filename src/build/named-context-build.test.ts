import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { imageCopy } from "../archive/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { build } from "./build.js";
import { BUSYBOX_BASE, busyboxContext, listTree } from "./testing/context.js";
import type { BuildOptions } from "./types.js";

const temp = tempDirs("wharf-named-build-");

function dirWith(files: Record<string, string>): string {
  const d = temp();
  for (const [n, t] of Object.entries(files)) {
    mkdirSync(join(d, n, ".."), { recursive: true });
    writeFileSync(join(d, n), t);
  }
  return d;
}

const quiet = (root: string, context: string, o: Partial<BuildOptions>) =>
  build({ root, context, progress: "quiet", env: {}, ...o });

describe("build --build-context (directories)", () => {
  it("FROM NAME and COPY --from=NAME read the directory, its own .dockerignore applied", async () => {
    const root = temp();
    const src = dirWith({
      "a.txt": "A\n",
      "skip.log": "no\n",
      "sub/b.txt": "B\n",
      ".dockerignore": "*.log\n",
    });
    const ctx = dirWith({
      Dockerfile: "FROM src\nCOPY --from=src sub/b.txt /copied/b.txt\n",
      // The main context's ignore file does not apply to a named context.
      ".dockerignore": "sub\n",
    });
    const out = temp();
    await quiet(root, ctx, { buildContexts: { src }, outputs: [{ type: "local", dest: out }] });
    expect(readFileSync(join(out, "a.txt"), "utf8")).toBe("A\n");
    expect(readFileSync(join(out, "sub", "b.txt"), "utf8")).toBe("B\n");
    expect(readFileSync(join(out, "copied", "b.txt"), "utf8")).toBe("B\n");
    expect(listTree(out)).not.toContain("skip.log");
  });

  it("keys the cache on the directory's content: kept when unchanged, invalidated by a change", async () => {
    const root = temp();
    const src = dirWith({ "a.txt": "one\n" });
    const ctx = dirWith({ Dockerfile: "FROM scratch\nCOPY --from=src a.txt /a.txt\nCOPY Dockerfile /df\n" });
    const first = await quiet(root, ctx, { buildContexts: { src }, tags: ["named:1"] });
    expect(first.steps).toEqual({ done: 2, cached: 0 });
    const again = await quiet(root, ctx, { buildContexts: { src }, tags: ["named:1"] });
    expect(again.steps).toEqual({ done: 0, cached: 2 });
    expect(again.id).toBe(first.id);
    writeFileSync(join(src, "a.txt"), "two\n");
    const changed = await quiet(root, ctx, { buildContexts: { src }, tags: ["named:1"] });
    expect(changed.steps).toEqual({ done: 2, cached: 0 });
    expect(changed.id).not.toBe(first.id);
    await validateRoot(root);
  });

  it("replaces a stage of the same name: its instructions never run", async () => {
    const root = temp();
    const deps = dirWith({ "lib.txt": "from the context\n" });
    const ctx = dirWith({
      Dockerfile:
        "FROM scratch AS deps\nCOPY missing-file /nope\nFROM scratch\nCOPY --from=deps /lib.txt /lib.txt\n",
    });
    const out = temp();
    await quiet(root, ctx, { buildContexts: { deps }, outputs: [{ type: "local", dest: out }] });
    expect(readFileSync(join(out, "lib.txt"), "utf8")).toBe("from the context\n");
  });

  it("RUN --mount=from=NAME binds the directory", async () => {
    const root = temp();
    const data = dirWith({ "in.txt": "mounted\n" });
    const ctx = busyboxContext(temp, {
      Dockerfile: `${BUSYBOX_BASE}FROM base\nRUN --mount=from=data,target=/data cp /data/in.txt /out.txt\n`,
    });
    const out = temp();
    await quiet(root, ctx, { buildContexts: { data }, outputs: [{ type: "local", dest: out }] });
    expect(readFileSync(join(out, "out.txt"), "utf8")).toBe("mounted\n");
  });
});

describe("build --no-cache-filter", () => {
  it("runs the named stage's steps again; other stages, and unknown names, keep the cache", async () => {
    const root = temp();
    const ctx = dirWith({
      "x.txt": "x\n",
      Dockerfile:
        "FROM scratch AS a\nCOPY x.txt /a\nFROM scratch AS b\nCOPY x.txt /b\nFROM scratch\nCOPY --from=a /a /a\nCOPY --from=b /b /b\n",
    });
    expect((await quiet(root, ctx, {})).steps).toEqual({ done: 4, cached: 0 });
    expect((await quiet(root, ctx, { noCacheFilter: ["nosuchstage"] })).steps).toEqual({
      done: 0,
      cached: 4,
    });
    // a's COPY runs again (b's is CACHED); a's result has a new time, so the final stage's COPYs run too.
    const r = await quiet(root, ctx, { noCacheFilter: ["A"] });
    expect(r.steps).toEqual({ done: 3, cached: 1 });
    const b = await quiet(root, ctx, { noCacheFilter: ["b"], target: "b" });
    expect(b.steps).toEqual({ done: 1, cached: 0 });
  });
});

describe("build --add-host", () => {
  it("RUN sees the entries at the end of /etc/hosts; they are part of the step's cache key", async () => {
    const root = temp();
    const ctx = busyboxContext(temp, {
      Dockerfile: `${BUSYBOX_BASE}FROM base\nRUN cat /etc/hosts > /hosts.txt\n`,
    });
    const out = temp();
    const extraHosts = [
      { host: "db.internal", ip: "10.1.2.3" },
      { host: "gw", ip: "host-gateway" },
    ];
    await quiet(root, ctx, { extraHosts, outputs: [{ type: "local", dest: out }] });
    expect(readFileSync(join(out, "hosts.txt"), "utf8")).toMatch(
      /\n10\.1\.2\.3\tdb\.internal\n127\.0\.0\.1\tgw\n$/,
    );
    // The bind-mounted file is not left in the image.
    expect(existsSync(join(out, "etc", "hosts"))).toBe(false);
    const same = await quiet(root, ctx, { extraHosts, tags: ["h:1"] });
    expect(same.steps.done).toBe(0);
    const other = await quiet(root, ctx, {
      extraHosts: [{ host: "db.internal", ip: "10.9.9.9" }],
      tags: ["h:2"],
    });
    // Every RUN (base's busybox --install and this one) has the hosts in its key; the COPY not.
    expect(other.steps).toEqual({ done: 2, cached: 1 });
  });
});

describe("build --build-context oci-layout://", () => {
  it("FROM and COPY --from an image of an OCI layout, by tag or digest; its blobs copied, verified", async () => {
    const first = temp();
    const src = dirWith({ Dockerfile: "FROM scratch\nCOPY x.txt /x.txt\n", "x.txt": "from the layout\n" });
    await quiet(first, src, { tags: ["layout-src:1"] });
    const layout = join(temp(), "layout");
    const copied = await imageCopy("wharf:layout-src:1", `oci:${layout}:v1`, { root: first });
    const root = temp();
    const ctx = dirWith({
      Dockerfile: "FROM scratch AS base\nCOPY missing /nope\nFROM base\nCOPY --from=lay /x.txt /again.txt\n",
    });
    const out = temp();
    await quiet(root, ctx, {
      buildContexts: { base: `oci-layout://${layout}:v1`, lay: `oci-layout://${layout}@${copied.digest}` },
      outputs: [{ type: "local", dest: out }],
    });
    expect(readFileSync(join(out, "x.txt"), "utf8")).toBe("from the layout\n");
    expect(readFileSync(join(out, "again.txt"), "utf8")).toBe("from the layout\n");
    // A tag the index lacks: its only image, as buildx falls back; with two images, refused.
    const tagless = { base: `oci-layout://${layout}:nosuchtag`, lay: `oci-layout://${layout}:v1` };
    expect((await quiet(root, ctx, { buildContexts: tagless })).steps.cached).toBe(1);
    await imageCopy("wharf:layout-src:1", `oci:${layout}:v2`, { root: first });
    await expect(quiet(root, ctx, { buildContexts: tagless })).rejects.toMatchObject({
      code: "not-found",
      message: expect.stringContaining("no image tagged nosuchtag"),
      hint: expect.stringContaining("org.opencontainers.image.ref.name"),
    });
  });
});
