import { describe, expect, it } from "vitest";
import { runHeredocPlan } from "./heredoc.js";
import { parseDockerfile, parseOnbuildTrigger } from "./parse.js";
import type { Instruction } from "./types.js";

const only = (text: string): Instruction => {
  const first = parseDockerfile(text, { file: "Dockerfile" }).stages[0]?.instructions[0];
  if (!first) throw new Error("no instruction");
  return first;
};
const pick = <K extends Instruction["kind"]>(i: Instruction, kind: K): Extract<Instruction, { kind: K }> => {
  if (i.kind !== kind) throw new Error(`expected ${kind}, got ${i.kind}`);
  return i as Extract<Instruction, { kind: K }>;
};

describe("heredocs", () => {
  it("reads RUN <<EOF, runs a lone body through the shell and a shebang body as a file", () => {
    const run = pick(only("FROM a\nRUN <<EOF\necho $HOME\nEOF\n"), "RUN");
    expect(run.heredocs).toEqual([
      { name: "EOF", content: "echo $HOME\n", expand: true, chomp: false, fd: 0 },
    ]);
    expect(run.location).toEqual({ file: "Dockerfile", startLine: 2, endLine: 4 });
    expect(runHeredocPlan(run)).toEqual({ kind: "script", script: "echo $HOME\n" });
    const py = pick(only("FROM a\nRUN <<EOT\n#!/usr/bin/env python3\nprint(1)\nEOT"), "RUN");
    expect(runHeredocPlan(py)).toEqual({
      kind: "file",
      name: "EOT",
      content: "#!/usr/bin/env python3\nprint(1)\n",
    });
  });

  it("strips leading tabs for <<- (terminator too) and keeps them for <<", () => {
    const run = pick(only("FROM a\nRUN <<-EOF\n\techo a\n\t\techo b\n\tEOF\nRUN x"), "RUN");
    expect(run.heredocs[0]?.content).toBe("\techo a\n\t\techo b\n");
    expect(runHeredocPlan(run)).toEqual({ kind: "script", script: "echo a\necho b\n" });
  });

  it("reads several heredocs on one line and joins them for the shell", () => {
    const run = pick(only("FROM a\nRUN cat <<A > /a && cat <<'B' > /b\none\nA\ntwo $x\nB\nRUN next"), "RUN");
    expect(run.heredocs.map((h) => [h.name, h.content, h.expand])).toEqual([
      ["A", "one\n", true],
      ["B", "two $x\n", false],
    ]);
    expect(runHeredocPlan(run)).toEqual({
      kind: "script",
      script: "cat <<A > /a && cat <<'B' > /b\none\nA\ntwo $x\nB",
    });
  });

  it("turns expansion off for <<\"EOF\", <<'EOF' and a partly quoted delimiter", () => {
    const copy = pick(only('FROM a\nCOPY <<"A" <<\'B\' <<C"D" /dir/\n$x\nA\n$y\nB\n$z\nCD\n'), "COPY");
    expect(copy.files).toEqual([
      { name: "A", content: "$x\n", expand: false },
      { name: "B", content: "$y\n", expand: false },
      { name: "CD", content: "$z\n", expand: false },
    ]);
    expect(copy.sources).toEqual([]);
    expect(copy.dest).toBe("/dir/");
  });

  it("reads COPY <<EOF /file with chomping and ordinary sources beside", () => {
    const copy = pick(
      only("FROM a\nCOPY --chmod=0755 a.sh <<-EOF /usr/bin/\n\t#!/bin/sh\n\techo hi\n\tEOF"),
      "COPY",
    );
    expect(copy.sources).toEqual(["a.sh"]);
    expect(copy.files).toEqual([{ name: "EOF", content: "#!/bin/sh\necho hi\n", expand: true }]);
    expect(copy.chmod).toBe("0755");
  });

  it("takes no heredoc from an exec-form RUN or a quoted <<", () => {
    expect(pick(only('FROM a\nRUN ["cat", "<<EOF"]\nRUN b'), "RUN").heredocs).toEqual([]);
    expect(pick(only('FROM a\nRUN echo "<<EOF"\nRUN b'), "RUN").heredocs).toEqual([]);
  });

  it("keeps ONBUILD heredocs in the trigger's expression", () => {
    const on = pick(only("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF"), "ONBUILD");
    expect(on.expression).toBe("RUN <<EOF\necho hi\nEOF");
    expect(pick(on.trigger, "RUN").heredocs[0]?.content).toBe("echo hi\n");
  });

  it("parses a stored trigger back for the child build, heredoc included", () => {
    const on = pick(only("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF"), "ONBUILD");
    const again = pick(parseOnbuildTrigger(on.expression, { file: "base:onbuild" }), "RUN");
    expect(again.heredocs[0]?.content).toBe("echo hi\n");
    expect(() => parseOnbuildTrigger("FROM x", { file: "base:onbuild" })).toThrow(
      "base:onbuild:1: FROM isn't allowed as an ONBUILD trigger",
    );
    expect(() => parseOnbuildTrigger("RUN a\nRUN b", { file: "t" })).toThrow(
      "t:2: an ONBUILD trigger must be",
    );
  });
});
