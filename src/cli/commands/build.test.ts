import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  inlineCacheArg,
  parseAddHosts,
  parseBuildArgs,
  parseBuildContexts,
  parseCacheFrom,
  parseCacheTo,
  parseNoCacheFilter,
  parseOutput,
  parseSecret,
  parseSsh,
} from "./build-options.js";

describe("build flags", () => {
  it("--build-context NAME=VALUE, a later NAME replacing an earlier", () => {
    expect(parseBuildContexts(["src=../src", "base=docker-image://busybox", "src=./other", ""])).toEqual({
      src: "./other",
      base: "docker-image://busybox",
    });
    expect(() => parseBuildContexts(["nodelimiter"])).toThrow(
      /invalid context value: nodelimiter, expected key=value/,
    );
  });

  it("--add-host HOST:IP, HOST=IP, IPv6, brackets, host-gateway, comma-separated; bad ones refused", () => {
    expect(parseAddHosts(["db:10.0.0.5", "api=10.0.0.6,v6:::1", "b6=[fe80::1]", "gw:host-gateway"])).toEqual([
      { host: "db", ip: "10.0.0.5" },
      { host: "api", ip: "10.0.0.6" },
      { host: "v6", ip: "::1" },
      { host: "b6", ip: "fe80::1" },
      { host: "gw", ip: "host-gateway" },
    ]);
    for (const bad of ["nohost", "db:", ":1.2.3.4", "db:not-an-ip", "db=1.2.3"])
      expect(() => parseAddHosts([bad]), bad).toThrow(`invalid host ${bad}`);
  });

  it("--no-cache-filter a,b and repeated; values that join to nothing mean every stage", () => {
    expect(parseNoCacheFilter([])).toEqual({ noCache: false, stages: [] });
    expect(parseNoCacheFilter(["a,b", "c"])).toEqual({ noCache: false, stages: ["a", "b", "c"] });
    expect(parseNoCacheFilter([""])).toEqual({ noCache: true, stages: [] });
  });

  it("--build-arg K=V, and K alone takes the value from the environment when set", () => {
    expect(parseBuildArgs(["A=1", "B=x=y", "C", "D"], { C: "from-env" })).toEqual({
      A: "1",
      B: "x=y",
      C: "from-env",
    });
    expect(() => parseBuildArgs(["=1"], {})).toThrow(/invalid build-arg/);
  });

  it("--secret id=,src=|env=", () => {
    expect(parseSecret("id=tok,src=/run/tok")).toEqual({ id: "tok", file: "/run/tok" });
    expect(parseSecret("id=tok,source=/run/tok")).toEqual({ id: "tok", file: "/run/tok" });
    expect(parseSecret("id=tok,env=TOKEN")).toEqual({ id: "tok", env: "TOKEN" });
    expect(parseSecret("id=tok,type=env")).toEqual({ id: "tok", env: "tok" });
    expect(parseSecret("id=tok")).toEqual({ id: "tok" });
    expect(() => parseSecret("src=/x")).toThrow(/id= is required/);
  });

  it("-o DIR, type=local,dest=, type=oci,dest=", () => {
    expect(parseOutput("out")).toEqual({ type: "local", dest: "out" });
    expect(parseOutput("type=local,dest=/tmp/o")).toEqual({ type: "local", dest: "/tmp/o" });
    expect(parseOutput("type=oci,dest=img.tar")).toEqual({ type: "oci", dest: "img.tar" });
    // `-o -` (BuildKit's shorthand), type=tar, and a local output to stdout: a tar.
    expect(parseOutput("-")).toEqual({ type: "tar", dest: "-" });
    expect(parseOutput("type=tar,dest=fs.tar")).toEqual({ type: "tar", dest: "fs.tar" });
    expect(parseOutput("type=local,dest=-")).toEqual({ type: "tar", dest: "-" });
    expect(() => parseOutput("type=registry,dest=x")).toThrow(/not supported/);
    expect(() => parseOutput("type=local")).toThrow(/dest= is required/);
  });
});

describe("builder prune's table", () => {
  it("pads columns with tabs as buildx's tabwriter does", async () => {
    const { tabPadded } = await import("./builder-prune.js");
    expect(
      tabPadded([
        "ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED",
        `${"a".repeat(25).padEnd(40)}\ttrue \t${"1.2kB".padEnd(10)}\t2 minutes ago`,
      ]),
    ).toBe(
      `ID\t\t\t\t\t\tRECLAIMABLE\tSIZE\t\tLAST ACCESSED\n${"a".repeat(25).padEnd(40)}\ttrue \t\t1.2kB     \t2 minutes ago\n`,
    );
    expect(tabPadded(["Total:\t0B"])).toBe("Total:\t0B\n");
  });

  it("--cache-to and --cache-from: registry (also a bare name) and local, mode, ignore-error, tag", () => {
    expect(parseCacheTo("type=registry,ref=r/app:cache,mode=max")).toEqual({
      type: "registry",
      ref: "r/app:cache",
      mode: "max",
    });
    expect(parseCacheTo("r/app:cache")).toEqual({ type: "registry", ref: "r/app:cache", mode: "min" });
    expect(parseCacheTo("type=local,dest=/c,ignore-error=true,tag=v1")).toEqual({
      type: "local",
      dest: "/c",
      tag: "v1",
      mode: "min",
      ignoreError: true,
    });
    expect(() => parseCacheTo("type=registry")).toThrow(/ref= is required/);
    expect(() => parseCacheTo("type=local,dest=/c,mode=all")).toThrow(/invalid cache-to mode all/);
    expect(() => parseCacheTo("type=gha")).toThrow(/cache type gha is not supported/);
    expect(() => parseCacheTo("mode=max")).toThrow(/type= is required/);
    expect(parseCacheFrom("r/app:cache")).toEqual({ type: "registry", ref: "r/app:cache" });
    expect(parseCacheFrom("type=registry,ref=r/app")).toEqual({ type: "registry", ref: "r/app" });
    expect(parseCacheFrom("type=local,src=/c")).toEqual({ type: "local", src: "/c" });
    expect(() => parseCacheFrom("type=local,dest=/c")).toThrow(/src= is required/);
    expect(() => parseCacheFrom("type=s3,region=x")).toThrow(/not supported/);
  });

  it("an inline cache: --cache-to type=inline (mode min only), or BUILDKIT_INLINE_CACHE=1 as BuildKit reads it", () => {
    expect(parseCacheTo("type=inline")).toEqual({ type: "inline", mode: "min" });
    expect(() => parseCacheTo("type=inline,mode=max")).toThrow(/inline cache does not support mode=max/);
    expect(inlineCacheArg(["BUILDKIT_INLINE_CACHE=1"], {})).toBe(true);
    expect(inlineCacheArg(["A=1", "BUILDKIT_INLINE_CACHE=true"], {})).toBe(true);
    expect(inlineCacheArg(["BUILDKIT_INLINE_CACHE=0"], {})).toBe(false);
    expect(inlineCacheArg(["BUILDKIT_INLINE_CACHE=1", "BUILDKIT_INLINE_CACHE=0"], {})).toBe(false);
    expect(inlineCacheArg(["BUILDKIT_INLINE_CACHE"], { BUILDKIT_INLINE_CACHE: "1" })).toBe(true);
    expect(inlineCacheArg(["BUILDKIT_INLINE_CACHE"], {})).toBe(false);
    expect(inlineCacheArg([], { BUILDKIT_INLINE_CACHE: "1" })).toBe(false);
  });

  it("--ssh default (SSH_AUTH_SOCK) and ID=SOCKET; key files and a missing agent are refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wharf-ssh-flag-"));
    const server = createServer();
    try {
      const sock = join(dir, "agent.sock");
      await new Promise<void>((r) => server.listen(sock, () => r()));
      writeFileSync(join(dir, "id_ed25519"), "key");
      expect(parseSsh("default", { SSH_AUTH_SOCK: "/run/agent" })).toEqual({
        id: "default",
        socket: "/run/agent",
      });
      expect(parseSsh(`git=${sock}`, {})).toEqual({ id: "git", socket: sock });
      expect(() => parseSsh("default", {})).toThrow(/make sure SSH_AUTH_SOCK is set/);
      expect(() => parseSsh(`git=${join(dir, "id_ed25519")}`, {})).toThrow(/not an agent socket/);
      expect(() => parseSsh(`git=${join(dir, "none")}`, {})).toThrow(/does not exist/);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
