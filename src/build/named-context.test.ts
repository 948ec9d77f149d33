import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import {
  contextName,
  lookupNamedContext,
  resolveNamedContext,
  resolveNamedContexts,
} from "./named-context.js";
import { splitLayoutValue } from "./oci-layout.js";
import { noCacheFor } from "./step.js";

const temp = tempDirs("wharf-named-");

describe("--build-context", () => {
  it("names a context as buildx does: the familiar reference, :latest left off", () => {
    expect(contextName("base")).toBe("base");
    expect(contextName("docker.io/library/base:latest")).toBe("base");
    expect(contextName("alpine:3.19")).toBe("alpine:3.19");
    expect(contextName("localhost:5000/app")).toBe("localhost:5000/app");
    expect(contextName("Base")).toBeUndefined();
  });

  it("reads a directory relative to the working directory, with its own .dockerignore", async () => {
    const cwd = temp();
    mkdirSync(join(cwd, "src"));
    writeFileSync(join(cwd, "src", ".dockerignore"), "*.log\n");
    const nc = await resolveNamedContext("src", "src", { cwd });
    expect(nc.kind).toBe("dir");
    if (nc.kind !== "dir") return;
    expect(nc.dir).toBe(join(cwd, "src"));
    expect(nc.filter?.excludes("a.log")).toBe(true);
    expect(nc.filter?.excludes("a.txt")).toBe(false);
    const plain = await resolveNamedContext("x", cwd);
    expect(plain.kind === "dir" && plain.filter).toBe(undefined);
  });

  it("takes docker-image://REF (and scratch), refusing a bad reference", async () => {
    expect(await resolveNamedContext("b", "docker-image://busybox:1.36")).toEqual({
      kind: "image",
      name: "b",
      ref: "busybox:1.36",
    });
    expect(await resolveNamedContext("b", "docker-image://scratch")).toMatchObject({ ref: "scratch" });
    await expect(resolveNamedContext("b", "docker-image://Bad:x")).rejects.toMatchObject({
      code: "invalid-reference",
    });
  });

  it("refuses what wharf cannot take, with a hint", async () => {
    // git and URL values are fetched (test/e2e/build-remote.test.ts); ssh:// and bake's are not.
    for (const v of ["ssh://git@example.com/team/app", "target:base"]) {
      const e = await resolveNamedContext("n", v).then(
        () => undefined,
        (x: unknown) => x as { code: string; message: string; hint?: string },
      );
      expect(e?.code, v).toBe("unsupported");
      expect(e?.message, v).toContain(`build context n=${v}`);
      expect(e?.hint, v).toBeTruthy();
    }
  });

  it("refuses a missing path and a file, as buildx does", async () => {
    const cwd = temp();
    writeFileSync(join(cwd, "f"), "x");
    await expect(resolveNamedContext("n", "nope", { cwd })).rejects.toMatchObject({
      code: "not-found",
      message: expect.stringContaining("failed to get build context n"),
    });
    await expect(resolveNamedContext("n", "f", { cwd })).rejects.toMatchObject({
      message: expect.stringContaining("not a directory"),
    });
  });

  it("keys contexts by normalised name, a later one replacing an earlier; lookups normalise too", async () => {
    const cwd = temp();
    const m = await resolveNamedContexts(
      { "docker.io/library/base:latest": "docker-image://busybox", base: "docker-image://alpine" },
      { cwd },
    );
    expect([...m.keys()]).toEqual(["base"]);
    expect(lookupNamedContext(m, "base:latest")).toMatchObject({ ref: "alpine" });
    expect(lookupNamedContext(m, "BASE")).toBeUndefined();
    expect(lookupNamedContext(m, "scratch")).toBeUndefined();
    await expect(resolveNamedContexts({ Base: "." }, { cwd })).rejects.toMatchObject({
      code: "usage",
      message: expect.stringMatching(/^invalid context name Base: invalid reference format: .*lowercase/),
    });
  });
});

describe("--build-context oci-layout://", () => {
  it("splits PATH[:TAG][@DIGEST] as buildx does (tag default latest)", () => {
    expect(splitLayoutValue("/l")).toEqual({ path: "/l", tag: "latest" });
    expect(splitLayoutValue("/l:v1")).toEqual({ path: "/l", tag: "v1" });
    expect(splitLayoutValue("rel/l@sha256:ab")).toEqual({
      path: "rel/l",
      tag: "latest",
      digest: "sha256:ab",
    });
  });

  it("refuses a missing layout, an empty one and a bad digest before building", async () => {
    const cwd = temp();
    await expect(resolveNamedContext("n", "oci-layout://nope", { cwd })).rejects.toMatchObject({
      code: "not-found",
    });
    mkdirSync(join(cwd, "empty"));
    writeFileSync(join(cwd, "empty", "index.json"), '{"schemaVersion":2,"manifests":[]}');
    await expect(resolveNamedContext("n", "oci-layout://empty", { cwd })).rejects.toMatchObject({
      message: expect.stringContaining("no image tagged latest"),
    });
    await expect(resolveNamedContext("n", "oci-layout://empty@sha256:12", { cwd })).rejects.toMatchObject({
      message: expect.stringContaining("invalid digest sha256:12"),
    });
  });
});

describe("--no-cache-filter", () => {
  it("matches stage names case-insensitively; unnamed stages and unknown names match nothing", () => {
    expect(noCacheFor(["Build"], "build")).toBe(true);
    expect(noCacheFor(["build"], "test")).toBe(false);
    expect(noCacheFor(["nosuchstage"], undefined)).toBe(false);
    expect(noCacheFor(undefined, "build")).toBe(false);
  });
});
