import { describe, expect, it } from "vitest";
import { formatterContext, parseFormat, renderFormat } from "./format.js";
import { goStruct } from "./template/exec.js";

const HEADERS = { Repository: "REPOSITORY", Tag: "TAG", ID: "IMAGE ID", Size: "SIZE" };
const items = [
  goStruct("*formatter.imageContext", {
    Repository: "busybox",
    Tag: "latest",
    ID: "6fd955f66c23",
    Size: "4.26MB",
  }),
  goStruct("*formatter.imageContext", {
    Repository: "localhost:5000/app",
    Tag: "1.0",
    ID: "0123456789ab",
    Size: "0B",
  }),
];

describe("Docker formats", () => {
  it("table: a header row from the titles, columns through the tab writer", () => {
    expect(
      renderFormat("table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Size}}", items, { headers: HEADERS }),
    ).toBe(
      [
        "REPOSITORY           TAG       IMAGE ID       SIZE",
        "busybox              latest    6fd955f66c23   4.26MB",
        "localhost:5000/app   1.0       0123456789ab   0B",
        "",
      ].join("\n"),
    );
  });
  it("table header keeps the titles through Docker's header functions", () => {
    expect(
      renderFormat("table {{.Repository | lower}}:{{.Tag}}", items.slice(0, 1), { headers: HEADERS }),
    ).toBe("REPOSITORY:TAG\nbusybox:latest\n");
  });
  it("a table with no items still prints its header", () => {
    expect(renderFormat("table {{.ID}}", [], { headers: HEADERS })).toBe("IMAGE ID\n");
  });
  it("plain formats: one line per item, literal \\t and \\n", () => {
    expect(renderFormat("{{.Repository}}\\t{{.Tag}}", items)).toBe(
      "busybox\tlatest\nlocalhost:5000/app\t1.0\n",
    );
    expect(renderFormat("{{.ID}}\\n--", items.slice(0, 1))).toBe("6fd955f66c23\n--\n");
  });
  it("json is {{json .}}", () => {
    expect(renderFormat("json", [{ b: 1, a: "<x>" }])).toBe('{"b":1,"a":"<x>"}\n');
    expect(parseFormat("json").table).toBe(false);
    // A list formatter's row: fields to templates as given, to json in alphabetical order (Docker's).
    const row = formatterContext("*formatter.ContainerContext", { Names: "web", ID: "abc", Size: "0B" });
    expect(renderFormat("json", [row])).toBe('{"ID":"abc","Names":"web","Size":"0B"}\n');
    expect(renderFormat("{{.Names}} {{.ID}}", [row])).toBe("web abc\n");
  });
  it("errors say 'template parsing error'", () => {
    expect(() => renderFormat("{{.Nope}}", items)).toThrow(
      'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext',
    );
    expect(() => parseFormat("table {{.ID")).toThrow("template parsing error: template: :1: unclosed action");
  });
});
