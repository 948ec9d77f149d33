import { describe, expect, it } from "vitest";
import { executeTemplate, parseGoTemplate } from "../format.js";
import { goStruct } from "./exec.js";

const run = (t: string, data: unknown = {}) => executeTemplate(parseGoTemplate(t), data);
const fails =
  (t: string, data: unknown = {}) =>
  () =>
    run(t, data);

describe("fields and values", () => {
  it("prints fields, nested fields, dot and literals", () => {
    expect(run("{{.Name}}/{{.Config.User}}/{{.}}", { Name: "a", Config: { User: "u" } })).toBe(
      "a/u/map[Config:map[User:u] Name:a]",
    );
    expect(run(`{{"s"}} {{'a'}} {{1}} {{-2}} {{1.5}} {{0x1f}} {{true}} {{nil}}`)).toBe(
      "s 97 1 -2 1.5 31 true <nil>",
    );
    expect(run("{{`raw\\n`}}")).toBe("raw\\n");
    expect(run(`{{"tab\\tq\\"x"}}`)).toBe('tab\tq"x');
  });
  it("prints Go's forms for missing keys, nil, lists and floats", () => {
    expect(run("{{.Missing}}|{{.Missing.Deeper}}|{{.N}}", { N: null })).toBe("<no value>|<no value>|<nil>");
    expect(run("{{.L}} {{.F}} {{.Big}}", { L: ["a", 1, true], F: 0.5, Big: 1234567.5 })).toBe(
      "[a 1 true] 0.5 1.2345675e+06",
    );
  });
  it("rejects unknown fields of structs but not of maps", () => {
    const ctx = goStruct("*formatter.imageContext", { ID: "abc" });
    expect(run("{{.ID}}", ctx)).toBe("abc");
    expect(fails("{{.Nope}}", ctx)).toThrow(
      'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext',
    );
    expect(fails("x {{.A.B}}", { A: "s" })).toThrow(
      ':1:4: executing "" at <.A.B>: can\'t evaluate field B in type string',
    );
    expect(fails("{{.A.B}}", { A: null })).toThrow("nil pointer evaluating interface {}.B");
  });
  it("chains fields on parenthesised pipelines and variables", () => {
    expect(run("{{(index .L 1).Name}} {{$x := .M}}{{$x.K}}", { L: [{}, { Name: "n" }], M: { K: "k" } })).toBe(
      "n k",
    );
  });
});

describe("control structures", () => {
  it("if / else if / else", () => {
    const t = `{{if eq .A "x"}}X{{else if .B}}B{{else}}none{{end}}`;
    expect(run(t, { A: "x" })).toBe("X");
    expect(run(t, { A: "y", B: [1] })).toBe("B");
    expect(run(t, { A: "y", B: [] })).toBe("none");
    expect(run("{{if .M}}m{{else}}empty{{end}}", { M: {} })).toBe("empty");
  });
  it("range over lists and maps with $ and . and variables", () => {
    const data = { Name: "img", Tags: ["a", "b"], Labels: { z: "1", a: "2" } };
    expect(run("{{range .Tags}}{{.}}@{{$.Name}} {{end}}", data)).toBe("a@img b@img ");
    expect(run("{{range $i, $t := .Tags}}{{$i}}:{{$t}},{{end}}", data)).toBe("0:a,1:b,");
    expect(run("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", data)).toBe("a=2;z=1;");
    expect(run("{{range $t := .Tags}}{{$t}}{{end}}", data)).toBe("ab");
    expect(run("{{range .None}}x{{else}}empty{{end}}", data)).toBe("empty");
    expect(run('{{range .Tags}}{{if eq . "a"}}{{continue}}{{end}}{{.}}{{break}}{{end}}', data)).toBe("b");
    expect(run("{{range 3}}{{.}}{{end}}")).toBe("012");
  });
  it("with sets dot; variables are scoped and assignable", () => {
    expect(run("{{with .C}}{{.U}}{{else}}none{{end}}", { C: { U: "u" } })).toBe("u");
    expect(run("{{with .C}}{{.U}}{{else}}none{{end}}", { C: "" })).toBe("none");
    expect(run("{{$n := 0}}{{range .L}}{{$n = .}}{{end}}{{$n}}", { L: [1, 2, 3] })).toBe("3");
    expect(fails("{{if 1}}{{$x := 1}}{{end}}{{$x}}")).toThrow('undefined variable "$x"');
  });
  it("trims whitespace around {{- and -}} and drops comments", () => {
    expect(run("a  \n {{- .A -}} \n  b", { A: "x" })).toBe("axb");
    expect(run("a {{/* note */}} b {{- /* x */ -}} c")).toBe("a  bc");
    expect(run("{{-3}}")).toBe("-3");
  });
});

describe("functions", () => {
  it("Go's builtins", () => {
    expect(run(`{{and 1 0 2}} {{or 0 "" "z"}} {{not 0}} {{and .Missing.X 1}}`)).toBe("0 z true <no value>");
    expect(run(`{{eq 1 2 1}} {{ne "a" "b"}} {{lt 1 2}} {{ge "b" "a"}} {{eq .N nil}}`, { N: null })).toBe(
      "true true true true true",
    );
    expect(
      run(`{{len .S}} {{len .L}} {{len .M}} {{index .L 1}} {{index .M "k"}} {{slice .S 1 3}}`, {
        S: "héllo",
        L: [1, 2],
        M: { k: "v" },
      }),
    ).toBe("6 2 1 2 v él");
    expect(
      run(`{{print 1 2 "a" 3}}|{{println "x" 1}}|{{printf "%-5s|%3d|%q|%v|%.2f" "ab" 7 "q" .L 3.14159}}`, {
        L: [1, "a"],
      }),
    ).toBe('1 2a3|x 1\n|ab   |  7|"q"|[1 a]|3.14');
  });
  it("Docker's functions", () => {
    const data = { Name: "Web-App", Env: ["A=1", "B=2"], Config: { Labels: { b: "2" } } };
    expect(run(`{{lower .Name}} {{upper .Name}} {{title "hello wide-world"}}`, data)).toBe(
      "web-app WEB-APP Hello Wide-World",
    );
    expect(run(`{{join .Env ","}} {{index (split "a:b" ":") 1}} {{json .Config}} {{json .Env}}`, data)).toBe(
      'A=1,B=2 b {"Labels":{"b":"2"}} ["A=1","B=2"]',
    );
    expect(run(`{{json .Missing}} {{json "<&>"}} {{pad "x" 1 2}}| {{truncate "abcdef" 3}}`)).toBe(
      'null "<&>"  x  | abc',
    );
  });
  it("pipes pass the value as the last argument", () => {
    expect(
      run(`{{.Name | lower}} {{.Name | printf "%s!"}} {{"," | split "a,b,c" | len}}`, { Name: "ABC" }),
    ).toBe("abc ABC! 3");
  });
  it("reports call errors like Go", () => {
    expect(fails("{{index .L 5}}", { L: [1] })).toThrow("error calling index: index out of range: 5");
    expect(fails("{{join .L}}", { L: [] })).toThrow("wrong number of args for join: want 2 got 1");
    expect(fails("{{lower 3}}")).toThrow("wrong type for value; expected string; got int");
    expect(fails(`{{eq 1 "a"}}`)).toThrow("error calling eq: incompatible types for comparison");
    expect(fails(`{{1 | 2}}`)).toThrow("non executable command in pipeline stage 2");
    expect(fails(`{{"a" 2}}`)).toThrow("can't give argument to non-function");
  });
});

describe("parse errors", () => {
  it.each([
    ["{{.Foo", "template: :1: unclosed action"],
    ["{{foo .}}", 'template: :1: function "foo" not defined'],
    ["{{range .L}}", "template: :1: unexpected EOF"],
    ["a\n{{end}}", "template: :2: unexpected {{end}}"],
    ["{{else}}", "template: :1: unexpected {{else}}"],
    ["{{$x}}", 'template: :1: undefined variable "$x"'],
    ["{{}}", "template: :1: missing value for command"],
    ["{{if}}{{end}}", "template: :1: missing value for if"],
    ['{{"abc}}', "template: :1: unterminated quoted string"],
    ["{{break}}", "template: :1: {{break}} outside {{range}}"],
    ["{{.A #}}", "template: :1: bad character U+0023 '#'"],
    ["{{(.A}}", "template: :1: unclosed left paren"],
  ])("%s", (t, message) => {
    expect(() => parseGoTemplate(t)).toThrow(`template parsing error: ${message}`);
  });
});
