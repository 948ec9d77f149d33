import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isWharfError } from "../../errors/index.js";
import { expandEnvArg, parseEnvFile, readEnvFile } from "./env.js";
import { headAndList, parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from "./mounts.js";
import { normalizeCaps, parseSecurityOpts } from "./security.js";

describe("-e and --env-file", () => {
  it("takes bare names from the host and reads env files", () => {
    expect(expandEnvArg("FOO", { FOO: "bar" })).toBe("FOO=bar");
    // The docker CLI's words.
    expect(() => expandEnvArg("=x", {})).toThrow(
      'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x',
    );
    expect(() => expandEnvArg("", {})).toThrow(
      'invalid argument "" for "-e, --env" flag: invalid environment variable: ',
    );
    expect(expandEnvArg("NOPE", {})).toBeUndefined();
    expect(parseEnvFile("# c\n\nA=1\n  B=x y\nC\n", { C: "host" })).toEqual(["A=1", "B=x y", "C=host"]);
    expect(() => parseEnvFile("BAD KEY=1\n")).toThrow(/whitespaces/);
  });

  it("says which --env-file is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-envfile-"));
    try {
      await writeFile(join(dir, "ok.env"), "A=1\n");
      expect(await readEnvFile(join(dir, "ok.env"), {})).toEqual(["A=1"]);
      await expect(readEnvFile(join(dir, "nope.env"))).rejects.toThrow(/no such file or directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("mount flags", () => {
  it("parses -v, --mount and --tmpfs", () => {
    expect(parseVolumeFlag("/data")).toMatchObject({ type: "volume", anonymous: true, destination: "/data" });
    expect(parseVolumeFlag("/h:/c:ro")).toMatchObject({
      type: "bind",
      source: "/h",
      destination: "/c",
      readOnly: true,
    });
    expect(parseVolumeFlag("./rel:/c", "/base")).toMatchObject({ type: "bind", source: "/base/rel" });
    expect(parseVolumeFlag("vol:/c")).toMatchObject({ type: "volume", source: "vol", readOnly: false });
    expect(() => parseVolumeFlag("/h:rel")).toThrow(/must be absolute/);
    expect(() => parseVolumeFlag("/h:/c:bogus")).toThrow(/invalid mode/);
    expect(parseMountFlag("type=bind,source=/h,target=/c,readonly")).toMatchObject({
      type: "bind",
      readOnly: true,
    });
    expect(parseMountFlag("type=tmpfs,target=/t,tmpfs-size=1m")).toMatchObject({
      type: "tmpfs",
      options: ["size=1m"],
    });
    expect(parseMountFlag("type=volume,target=/v")).toMatchObject({ type: "volume", anonymous: true });
    // volume-opt=K=V: the local driver options of the volume the mount makes.
    expect(
      parseMountFlag(
        "type=volume,src=tv,dst=/t,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m",
      ),
    ).toMatchObject({ source: "tv", volumeOptions: { type: "tmpfs", device: "tmpfs", o: "size=1m" } });
    expect(() => parseMountFlag("type=bind,src=/h,dst=/c,volume-opt=type=tmpfs")).toThrow(
      'invalid mount config for type "bind": field VolumeOptions must not be specified',
    );
    expect(() => parseMountFlag("type=bind,target=/c")).toThrow(/Source must not be empty/);
    expect(parseTmpfsFlag("/run:size=64k,ro")).toMatchObject({
      destination: "/run",
      readOnly: true,
      options: ["size=64k"],
    });
  });
});

describe("--cap-add and --cap-drop", () => {
  it("takes names with or without CAP_, in any case, and ALL; refuses unknown ones", () => {
    expect(normalizeCaps(["net_admin", "CAP_SYS_PTRACE", "all"], "CapAdd")).toEqual([
      "CAP_NET_ADMIN",
      "CAP_SYS_PTRACE",
      "ALL",
    ]);
    const e = (() => {
      try {
        normalizeCaps(["FOO"], "CapDrop");
      } catch (x) {
        return x;
      }
    })();
    expect(isWharfError(e, "invalid-argument")).toBe(true);
    expect((e as Error).message).toBe('invalid CapDrop: unknown capability: "CAP_FOO"');
  });
});

describe("--security-opt", () => {
  it("takes seccomp=unconfined and no-new-privileges (= or :), and accepts what wharf never applies", () => {
    expect(parseSecurityOpts(["seccomp=unconfined", "no-new-privileges"])).toEqual({
      seccomp: "unconfined",
      noNewPrivileges: true,
    });
    expect(parseSecurityOpts(["seccomp:unconfined", "no-new-privileges:false"])).toEqual({
      seccomp: "unconfined",
      noNewPrivileges: false,
    });
    expect(parseSecurityOpts(["apparmor=unconfined", "label=disable"])).toEqual({});
  });

  it("reads a profile file (= or :, relative to a directory) into its compacted JSON; builtin", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-seccomp-"));
    try {
      const text =
        '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [\n    { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": "a b\\" c" }\n  ]\n}\n';
      await writeFile(join(dir, "p.json"), text);
      const compact = JSON.stringify(JSON.parse(text));
      expect(parseSecurityOpts([`seccomp=${join(dir, "p.json")}`])).toEqual({ seccompProfile: compact });
      expect(parseSecurityOpts(["seccomp:p.json", "no-new-privileges"], dir)).toEqual({
        seccompProfile: compact,
        noNewPrivileges: true,
      });
      // The last seccomp option wins, as Docker's daemon takes it.
      expect(parseSecurityOpts(["seccomp=p.json", "seccomp=builtin"], dir)).toEqual({ seccomp: "builtin" });
      expect(parseSecurityOpts(["seccomp=unconfined", "seccomp=p.json"], dir)).toEqual({
        seccompProfile: compact,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a profile file it cannot open, parse or decode, in Docker's words", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-seccomp-"));
    try {
      expect(() => parseSecurityOpts(["seccomp=/nonexistent/p.json"])).toThrow(
        "opening seccomp profile (/nonexistent/p.json) failed: open /nonexistent/p.json: no such file or directory",
      );
      expect(() => parseSecurityOpts([`seccomp=${dir}`])).toThrow(
        `opening seccomp profile (${dir}) failed: read ${dir}: is a directory`,
      );
      await writeFile(join(dir, "bad.json"), "{ defaultAction: 1 }");
      expect(() => parseSecurityOpts(["seccomp=bad.json"], dir)).toThrow(
        /^compacting json for seccomp profile \(bad\.json\) failed: /,
      );
      await writeFile(join(dir, "odd.json"), '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}}');
      expect(() => parseSecurityOpts(["seccomp=odd.json"], dir)).toThrow(
        "decoding seccomp profile failed: syscalls must be a list",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses what it cannot honour", () => {
    expect(() => parseSecurityOpts(["apparmor=docker-default"])).toThrow(
      'Invalid --security-opt: "apparmor=docker-default"',
    );
    expect(() => parseSecurityOpts(["bogus"])).toThrow('Invalid --security-opt: "bogus"');
  });
});

describe("headAndList", () => {
  it("splits at the first separator, then the rest at commas, dropping empty parts", () => {
    expect(headAndList("/tmp", ":")).toEqual(["/tmp", []]);
    expect(headAndList("/tmp:ro,,size=1m", ":")).toEqual(["/tmp", ["ro", "size=1m"]]);
    expect(headAndList("id=a=b,c", "=")).toEqual(["id", ["a=b", "c"]]);
    expect(headAndList("id=", "=")).toEqual(["id", []]);
  });
});

describe("--mount type=image", () => {
  it("takes an image, a target and image-subpath; always read-only", () => {
    expect(parseMountFlag("type=image,source=busybox,target=/tools")).toEqual({
      type: "image",
      source: "busybox",
      destination: "/tools",
      readOnly: true,
    });
    expect(parseMountFlag("type=image,src=app:1,dst=/m/,image-subpath=usr/./share/,readonly")).toEqual({
      type: "image",
      source: "app:1",
      destination: "/m",
      readOnly: true,
      imageSubpath: "usr/share",
    });
    expect(parseMountFlag("type=image,src=app,dst=/m,ro=true,image-subpath=.")).not.toHaveProperty(
      "imageSubpath",
    );
  });

  it("refuses what Docker refuses, in its words", () => {
    const bad = (s: string) => () => parseMountFlag(s);
    expect(bad("type=image,target=/m")).toThrow(
      'invalid mount config for type "image": field Source must not be empty',
    );
    expect(bad("type=image,src=a,dst=/m,readonly=false")).toThrow(
      'invalid mount config for type "image": must be read-only',
    );
    expect(bad("type=image,src=a,dst=/m,rw")).toThrow("invalid field 'rw' must be a key=value pair");
    for (const sub of ["/etc", "../etc", "a/../../b", ""]) {
      expect(bad(`type=image,src=a,dst=/m,image-subpath=${sub}`)).toThrow(
        'invalid mount config for type "image": subpath must be a relative path within the image',
      );
    }
    expect(bad("type=image,src=a,dst=/m,tmpfs-size=1m")).toThrow(
      'invalid mount config for type "image": field TmpfsOptions must not be specified',
    );
    expect(bad("type=image,src=a,dst=/m,volume-opt=type=tmpfs")).toThrow(
      'invalid mount config for type "image": field VolumeOptions must not be specified',
    );
    expect(bad("type=bind,src=/h,dst=/m,image-subpath=etc")).toThrow(
      'invalid mount config for type "bind": field ImageOptions must not be specified',
    );
  });
});
