// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text holds ${VAR} on purpose
import { describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import {
  expandForDisplay,
  expandHeredoc,
  expandInstruction,
  expandWord,
  expandWords,
  exposedPorts,
} from "./expand.js";
import { parseDockerfile } from "./parse.js";
import type { CopyInstruction, EnvInstruction, RunInstruction } from "./types.js";

const vars: Record<string, string> = {
  a: "A",
  b: "B",
  empty: "",
  sp: "x y",
  path: "/usr/local/bin/tool.tar.gz",
};
const lookup = (n: string): string | undefined => vars[n];
const w = (s: string): string => expandWord(s, lookup);

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isWharfError(e, "dockerfile-invalid")) return e.message;
    throw e;
  }
  throw new Error("expected a dockerfile-invalid error");
}

describe("expandWord (BuildKit's ProcessWord)", () => {
  it("replaces $VAR and ${VAR}, unset as empty, and keeps a lone $", () => {
    expect(w("$a-${b}")).toBe("A-B");
    expect(w("x${nope}y$nope")).toBe("xy");
    expect(w("a$")).toBe("a$");
    expect(w("$ a")).toBe("$ a");
    expect(w("${a}_$a_")).toBe("A_");
  });

  it("handles the default, alternative and error forms, with and without the colon", () => {
    expect(w("${nope:-d}|${empty:-d}|${a:-d}")).toBe("d|d|A");
    expect(w("${nope-d}|${empty-d}|${a-d}")).toBe("d||A");
    expect(w("${nope:+s}|${empty:+s}|${a:+s}")).toBe("||s");
    expect(w("${nope+s}|${empty+s}|${a+s}")).toBe("|s|s");
    expect(w("${a:?boom}")).toBe("A");
    expect(failure(() => w("${nope:?must be set}"))).toContain("nope: must be set");
    expect(failure(() => w("${nope?}"))).toContain("nope: is not allowed to be unset");
    expect(failure(() => w("${empty:?}"))).toContain("empty: is not allowed to be empty");
    expect(w("${empty?}")).toBe("");
  });

  it("nests: ${a:-${b}} and a default made of quoted text and variables", () => {
    expect(w("${nope:-${b}}")).toBe("B");
    expect(w("${nope:-${nope2:-$a}}")).toBe("A");
    expect(w('${nope:-"x $a"}')).toBe("x A");
    expect(w("${a:+${b}-$b}")).toBe("B-B");
  });

  it("keeps single-quoted text literal and expands inside double quotes", () => {
    expect(w("'$a ${b}'")).toBe("$a ${b}");
    expect(w('"$a ${b}"')).toBe("A B");
    expect(w('"it\'s"')).toBe("it's");
    expect(w("'say \"hi\"'")).toBe('say "hi"');
  });

  it('processes escapes: outside quotes any character, inside double quotes only " $ and \\', () => {
    expect(w("\\$a")).toBe("$a");
    expect(w('"\\$a"')).toBe("$a");
    expect(w("\\a\\b")).toBe("ab");
    expect(w('"\\a"')).toBe("\\a");
    expect(w('"\\\\"')).toBe("\\");
    expect(w('"a\\"b"')).toBe('a"b');
    expect(w("'\\$a'")).toBe("\\$a");
    expect(w("trailing\\")).toBe("trailing");
  });

  it("uses the backtick as escape character when the Dockerfile says so", () => {
    expect(expandWord("`$a", lookup, { escape: "`" })).toBe("$a");
    expect(expandWord("c:\\dir\\$a", lookup, { escape: "`" })).toBe("c:\\dir\\A");
    expect(expandWord('"`"q"', lookup, { escape: "`" })).toBe('"q');
  });

  it("trims prefixes and suffixes and replaces patterns", () => {
    expect(w("${path#*/}")).toBe("usr/local/bin/tool.tar.gz");
    expect(w("${path##*/}")).toBe("tool.tar.gz");
    expect(w("${path%.*}")).toBe("/usr/local/bin/tool.tar");
    expect(w("${path%%.*}")).toBe("/usr/local/bin/tool");
    expect(w("${path/local/opt}")).toBe("/usr/opt/bin/tool.tar.gz");
    expect(w("${path//o/0}")).toBe("/usr/l0cal/bin/t00l.tar.gz");
    expect(w("${path#\\*}")).toBe(vars.path);
    expect(failure(() => w("${a:#x}"))).toContain("unsupported modifier (:#) in substitution");
  });

  it("reports syntax errors with the word", () => {
    expect(failure(() => w('"open'))).toBe(
      'failed to process "\\"open": unexpected end of statement while looking for matching double-quote',
    );
    expect(failure(() => w("'open"))).toContain("matching single-quote");
    expect(failure(() => w("${a"))).toContain("syntax error: missing '}'");
    expect(failure(() => w("${}"))).toContain("syntax error: bad substitution");
    expect(failure(() => w("${:a}"))).toContain("bad substitution");
    expect(failure(() => w("${a:x}"))).toContain("unsupported modifier (:x) in substitution");
    expect(failure(() => w("${a b}"))).toContain("unsupported modifier");
  });

  it("reads $1, special parameters and unicode names as BuildKit's processName does", () => {
    const look = (n: string): string | undefined => ({ "1": "one", "12": "twelve", "?": "q", é: "e" })[n];
    expect(expandWord("$1x $12 $? $é", look)).toBe("onex twelve q e");
  });
});

describe("expandWords (BuildKit's ProcessWords)", () => {
  it("splits variable values on spaces but never quoted or escaped text", () => {
    expect(expandWords("a $sp c", lookup)).toEqual(["a", "x", "y", "c"]);
    expect(expandWords('a "$sp" c', lookup)).toEqual(["a", "x y", "c"]);
    expect(expandWords("a\\ b 'c d'", lookup)).toEqual(["a b", "c d"]);
    expect(expandWords("  ", lookup)).toEqual([]);
    expect(expandWords('""', lookup)).toEqual([]); // as Go: an empty quoted word is dropped
  });
});

describe("expandHeredoc", () => {
  it("expands variables but keeps quotes (they belong to the script) and consumes escapes as BuildKit", () => {
    expect(expandHeredoc("echo \"$a\" '$b'\n", lookup)).toBe("echo \"A\" 'B'\n");
    expect(expandHeredoc("cost: \\$5\n", lookup)).toBe("cost: $5\n");
  });
});

describe("exposedPorts", () => {
  it("reads ports, protocols and ranges", () => {
    expect(exposedPorts("80")).toEqual(["80/tcp"]);
    expect(exposedPorts("53/UDP")).toEqual(["53/udp"]);
    expect(exposedPorts("8000-8002/tcp")).toEqual(["8000/tcp", "8001/tcp", "8002/tcp"]);
    expect(() => exposedPorts("http")).toThrow(/invalid containerPort: http/);
    expect(() => exposedPorts("70000")).toThrow(/invalid containerPort/);
  });
});

describe("expandInstruction", () => {
  const df = parseDockerfile(
    [
      "FROM busybox AS build",
      "FROM busybox",
      'ENV a=1 b=$a c="${a:-x} y"',
      "COPY --chown=$a:$b --chmod=$mode --from=build $a $b/ /dst/${sp}",
      "COPY <<EOF <<'RAW' /etc/",
      'hello $a "q"',
      "EOF",
      "keep $a",
      "RAW",
      "RUN --mount=type=cache,target=/root/$a,id=$b echo $a",
      "EXPOSE $a 53/udp",
    ].join("\n"),
    { file: "Dockerfile" },
  );
  const inst = df.stages[1]?.instructions ?? [];

  it("expands ENV against the state before the instruction: b sees the old a", () => {
    const env = expandInstruction(inst[0] as EnvInstruction, (n) => ({ a: "old" })[n]);
    expect(env.pairs).toEqual([
      { key: "a", value: "1" },
      { key: "b", value: "old" },
      { key: "c", value: "old y" },
    ]);
  });

  it("expands COPY sources, dest, --chown and --chmod but never --from, one value per word", () => {
    const look = (n: string): string | undefined => ({ a: "src 1", b: "dir", mode: "0640", sp: "x y" })[n];
    const copy = expandInstruction(inst[1] as CopyInstruction, look);
    expect(copy.sources).toEqual(["src 1", "dir/"]);
    expect(copy.dest).toBe("/dst/x y");
    expect(copy.chown).toBe("src 1:dir");
    expect(copy.chmod).toBe("0640");
    expect(copy.from).toBe("build");
    expect(() => expandInstruction(inst[1] as CopyInstruction, (n) => (n === "mode" ? "rwx" : "v"))).toThrow(
      /^Dockerfile:4: invalid chmod value "rwx"/,
    );
  });

  it("expands a heredoc body only when its delimiter is unquoted", () => {
    const copy = expandInstruction(inst[2] as CopyInstruction, lookup);
    expect(copy.files).toEqual([
      { name: "EOF", content: 'hello A "q"\n', expand: true },
      { name: "RAW", content: "keep $a\n", expand: false },
    ]);
  });

  it("expands RUN --mount values but not the command", () => {
    const run = expandInstruction(inst[3] as RunInstruction, lookup);
    expect(run.mounts).toEqual([
      { type: "cache", target: "/root/A", id: "B", sharing: "shared", readonly: false },
    ]);
    expect(run.command).toEqual({ form: "shell", script: "echo $a" });
  });

  it("locates expansion errors at the instruction's line", () => {
    const bad = parseDockerfile("FROM busybox\nWORKDIR ${dir:?set dir}", { file: "df" });
    const workdir = bad.stages[0]?.instructions[0];
    if (!workdir) throw new Error("no instruction");
    expect(failure(() => expandInstruction(workdir, () => undefined))).toBe(
      'df:2: failed to process "${dir:?set dir}": dir: set dir',
    );
  });
});

describe("expandForDisplay (step names)", () => {
  const env = (m: Record<string, string>) => (n: string) => m[n];
  it("RUN: quotes and unset variables kept, set ones replaced", () => {
    const l = env({ V: "1.2", EMPTY: "" });
    expect(expandForDisplay("RUN echo \"$V\" '$V' $UNSET ${UNSET:-x} $EMPTY.", l, { run: true })).toBe(
      "RUN echo \"1.2\" '$V' $UNSET ${UNSET:-x} .",
    );
  });
  it("COPY and WORKDIR: the plain lexer (quotes removed, unset variables empty)", () => {
    const l = env({ APP: "/srv/app" });
    expect(expandForDisplay('COPY "a b" $APP/$UNSET', l)).toBe("COPY a b /srv/app/");
  });
  it("the text as written when it does not lex", () => {
    expect(expandForDisplay("RUN echo ${V", env({}), { run: true })).toBe("RUN echo ${V");
  });
});
