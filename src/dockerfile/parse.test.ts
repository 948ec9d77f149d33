// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text holds ${VAR} on purpose
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "./parse.js";
import type { Instruction, StageInstruction } from "./types.js";

const parse = (text: string) => parseDockerfile(text, { file: "Dockerfile" });
/** The instructions of the first stage. */
const body = (text: string): StageInstruction[] => parse(text).stages[0]?.instructions ?? [];
const only = (text: string): StageInstruction => {
  const [first] = body(text);
  if (!first) throw new Error("no instruction");
  return first;
};
const pick = <K extends Instruction["kind"]>(i: Instruction, kind: K): Extract<Instruction, { kind: K }> => {
  if (i.kind !== kind) throw new Error(`expected ${kind}, got ${i.kind}`);
  return i as Extract<Instruction, { kind: K }>;
};

describe("lines: comments, continuations, directives", () => {
  it("joins continuation lines, also with trailing blanks, and skips comments inside them", () => {
    const run = pick(
      only("FROM a\nRUN echo one \\\n  # a comment inside\n    two \\   \n  three\n# after\nRUN x"),
      "RUN",
    );
    // BuildKit keeps the blank before the escape and the indentation of continuation lines
    expect(run.command).toEqual({ form: "shell", script: "echo one     two   three" });
    expect(run.location).toEqual({ file: "Dockerfile", startLine: 2, endLine: 5 });
    expect(run.original).toBe("RUN echo one     two   three");
  });

  it("keeps empty continuation lines out and warns about them as BuildKit does", () => {
    const df = parse("FROM a\nRUN a \\\n\n  b\n");
    expect(pick(df.stages[0]?.instructions[0] as Instruction, "RUN").command).toEqual({
      form: "shell",
      script: "a   b",
    });
    expect(df.warnings).toEqual([{ line: 4, message: "Empty continuation line found in: RUN a   b" }]);
  });

  it("does not continue after an escaped escape character", () => {
    const [a, b] = body("FROM a\nRUN echo \\\\\nRUN next");
    expect(pick(a as Instruction, "RUN").command).toEqual({ form: "shell", script: "echo \\\\" });
    expect(b?.kind).toBe("RUN");
  });

  it("reads directives at the very top only, case-insensitively, and ignores syntax and check", () => {
    const df = parse(
      "# Syntax=docker/dockerfile:1\n#ESCAPE = `\n# check=skip=all\nFROM a\n# escape=\\\nRUN a `\n  b",
    );
    expect(df.directives).toEqual({ syntax: "docker/dockerfile:1", escape: "`", check: "skip=all" });
    expect(df.escape).toBe("`");
    expect(pick(df.stages[0]?.instructions[0] as Instruction, "RUN").command).toEqual({
      form: "shell",
      script: "a   b",
    });
  });

  it("stops reading directives at the first other line, even a blank or a plain comment", () => {
    expect(parse("\n# escape=`\nFROM a\nRUN a `\nRUN b").escape).toBe("\\");
    expect(parse("# hello\n# escape=`\nFROM a").directives).toEqual({});
    expect(parse("# unknown=1\n# escape=`\nFROM a").escape).toBe("\\");
  });

  it("parses a Windows-style file with escape=backtick: backslashes are plain characters", () => {
    const df = parse(
      "# escape=`\r\nFROM mcr.microsoft.com/windows/servercore\r\nCOPY testfile.txt c:\\\r\nRUN dir c:\\ `\r\n  && echo done\r\nWORKDIR c:\\Users\\$USER\r\n",
    );
    const [copy, run, workdir] = df.stages[0]?.instructions ?? [];
    expect(pick(copy as Instruction, "COPY").dest).toBe("c:\\");
    expect(pick(run as Instruction, "RUN").command).toEqual({
      form: "shell",
      script: "dir c:\\   && echo done",
    });
    expect(pick(workdir as Instruction, "WORKDIR").path).toBe("c:\\Users\\$USER");
  });

  it("strips a byte-order mark and accepts instruction names in any case", () => {
    const df = parse("\uFEFFfrom alpine AS Build\nrun true\nCopy --FROM=x a b".replace("--FROM", "--from"));
    expect(df.stages[0]?.name).toBe("build");
    expect(df.stages[0]?.instructions.map((i) => i.kind)).toEqual(["RUN", "COPY"]);
  });
});

describe("exec and shell forms", () => {
  it("reads JSON arrays as exec form and falls back to shell form on invalid JSON", () => {
    expect(pick(only('FROM a\nRUN ["sh", "-c", "echo $HOME"]'), "RUN").command).toEqual({
      form: "exec",
      args: ["sh", "-c", "echo $HOME"],
    });
    expect(pick(only("FROM a\nCMD [\"a\", 'b']"), "CMD").command).toEqual({
      form: "shell",
      script: "[\"a\", 'b']",
    });
    expect(pick(only("FROM a\nENTRYPOINT [not json"), "ENTRYPOINT").command).toEqual({
      form: "shell",
      script: "[not json",
    });
    expect(pick(only("FROM a\nCMD []"), "CMD").command).toEqual({ form: "exec", args: [] });
  });

  it("reads VOLUME as JSON or words, SHELL as JSON only", () => {
    expect(pick(only('FROM a\nVOLUME ["/a", "/b c"]'), "VOLUME").paths).toEqual(["/a", "/b c"]);
    expect(pick(only("FROM a\nVOLUME /a /b"), "VOLUME").paths).toEqual(["/a", "/b"]);
    expect(pick(only('FROM a\nSHELL ["powershell", "-command"]'), "SHELL").shell).toEqual([
      "powershell",
      "-command",
    ]);
  });
});

describe("instructions", () => {
  it("groups into stages with names, indexes and global ARGs apart", () => {
    const df = parse(
      "ARG V=1\nARG B\nFROM --platform=$BUILDPLATFORM golang:$V AS Build\nRUN go build\nFROM scratch\nCOPY --from=build /out /",
    );
    expect(df.globalArgs.flatMap((a) => a.args)).toEqual([
      { name: "V", default: "1" },
      { name: "B", default: undefined },
    ]);
    expect(df.stages.map((s) => [s.index, s.name, s.from.image, s.from.platform])).toEqual([
      [0, "build", "golang:$V", "$BUILDPLATFORM"],
      [1, undefined, "scratch", undefined],
    ]);
  });

  it("reads ENV and LABEL in both forms, keeping quotes for expansion", () => {
    expect(pick(only("FROM a\nENV PATH /usr/bin:$PATH  x"), "ENV").pairs).toEqual([
      { key: "PATH", value: "/usr/bin:$PATH  x" },
    ]);
    expect(pick(only('FROM a\nENV a=1 b="v 2" c=x\\ y'), "ENV").pairs).toEqual([
      { key: "a", value: "1" },
      { key: "b", value: '"v 2"' },
      { key: "c", value: "x\\ y" },
    ]);
    expect(pick(only('FROM a\nLABEL "com.example.vendor"="ACME" version=1.0'), "LABEL").pairs).toEqual([
      { key: '"com.example.vendor"', value: '"ACME"' },
      { key: "version", value: "1.0" },
    ]);
  });

  it("reads several ARGs per line with and without defaults", () => {
    expect(pick(only('FROM a\nARG a b=2 c="x y"'), "ARG").args).toEqual([
      { name: "a", default: undefined },
      { name: "b", default: "2" },
      { name: "c", default: '"x y"' },
    ]);
  });

  it("reads RUN mounts, network and several --mount flags", () => {
    const run = pick(
      only(
        "FROM a\nRUN --mount=type=cache,target=/root/.cache,sharing=locked,id=pip,mode=0700,uid=1 " +
          "--mount=type=secret,id=tok,required --mount=type=bind,source=src,target=/src,rw " +
          "--mount=type=tmpfs,target=/tmp,size=64m --mount=type=ssh --network=none make",
      ),
      "RUN",
    );
    expect(run.mounts).toEqual([
      {
        type: "cache",
        target: "/root/.cache",
        id: "pip",
        sharing: "locked",
        readonly: false,
        mode: 0o700,
        uid: 1,
      },
      { type: "secret", id: "tok", target: "/run/secrets/tok", required: true },
      { type: "bind", target: "/src", source: "src", readonly: false },
      { type: "tmpfs", target: "/tmp", size: 64 * 1024 * 1024 },
      { type: "ssh", id: "default", required: false },
    ]);
    expect(run.network).toBe("none");
    expect(run.command).toEqual({ form: "shell", script: "make" });
  });

  it("reads COPY and ADD flags", () => {
    const df = parse(
      "FROM a\nFROM b\nCOPY --from=0 --chown=1:2 --link --parents --exclude=*.md --exclude=.git a b /d/",
    );
    const copy = pick(df.stages[1]?.instructions[0] as Instruction, "COPY");
    expect(copy).toMatchObject({
      from: "0",
      chown: "1:2",
      link: true,
      parents: true,
      excludes: ["*.md", ".git"],
    });
    expect(copy).toMatchObject({ sources: ["a", "b"], dest: "/d/" });
    const add = pick(
      only("FROM a\nADD --checksum=sha256:abc --keep-git-dir=true --link=false https://x/y.tgz /"),
      "ADD",
    );
    expect(add).toMatchObject({
      checksum: "sha256:abc",
      keepGitDir: true,
      link: false,
      sources: ["https://x/y.tgz"],
    });
    expect(pick(only('FROM a\nCOPY ["a b", "/c d/"]'), "COPY")).toMatchObject({
      sources: ["a b"],
      dest: "/c d/",
    });
  });

  it("reads HEALTHCHECK with durations in nanoseconds, and NONE", () => {
    const hc = pick(
      only(
        "FROM a\nHEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --start-interval=500ms --retries=3 CMD curl -f http://x/ || exit 1",
      ),
      "HEALTHCHECK",
    );
    expect(hc).toMatchObject({
      test: ["CMD-SHELL", "curl -f http://x/ || exit 1"],
      interval: 300e9,
      timeout: 3e9,
      startPeriod: 90e9,
      startInterval: 500e6,
      retries: 3,
    });
    expect(pick(only('FROM a\nHEALTHCHECK CMD ["/bin/check", "-q"]'), "HEALTHCHECK").test).toEqual([
      "CMD",
      "/bin/check",
      "-q",
    ]);
    expect(pick(only("FROM a\nhealthcheck none"), "HEALTHCHECK").test).toEqual(["NONE"]);
  });

  it("reads the single-value instructions, EXPOSE and ONBUILD", () => {
    const [w, u, s, m, e, o] = body(
      "FROM a\nWORKDIR /app dir\nUSER 1000:1000\nSTOPSIGNAL SIGKILL\nMAINTAINER Jo <jo@x>\nEXPOSE 80/tcp 53/udp\nONBUILD COPY . /src",
    );
    expect(pick(w as Instruction, "WORKDIR").path).toBe("/app dir");
    expect(pick(u as Instruction, "USER").user).toBe("1000:1000");
    expect(pick(s as Instruction, "STOPSIGNAL").signal).toBe("SIGKILL");
    expect(pick(m as Instruction, "MAINTAINER").maintainer).toBe("Jo <jo@x>");
    expect(pick(e as Instruction, "EXPOSE").ports).toEqual(["80/tcp", "53/udp"]);
    const on = pick(o as Instruction, "ONBUILD");
    expect(on.expression).toBe("COPY . /src");
    expect(pick(on.trigger, "COPY")).toMatchObject({ sources: ["."], dest: "/src" });
  });
});
