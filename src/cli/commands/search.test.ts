import { describe, expect, it } from "vitest";
import { renderFormat } from "../render/index.js";
import { type SearchResult, searchFilter, searchRows, searchTarget } from "./search.js";

const result = (name: string, o: Partial<SearchResult> = {}): SearchResult => ({
  name,
  description: "",
  star_count: 0,
  is_official: false,
  is_automated: false,
  ...o,
});

describe("search", () => {
  it("finds the index a term names, as Docker's daemon does", () => {
    expect(searchTarget("busybox")).toEqual({ domain: "docker.io", query: "busybox" });
    expect(searchTarget("library/busybox")).toEqual({ domain: "docker.io", query: "library/busybox" });
    expect(searchTarget("localhost/busy")).toEqual({ domain: "localhost", query: "busy" });
    expect(searchTarget("localhost:5000/team/busy")).toEqual({
      domain: "localhost:5000",
      query: "team/busy",
    });
    expect(searchTarget("reg.example.com/x")).toEqual({ domain: "reg.example.com", query: "x" });
    expect(searchTarget("index.docker.io/nginx")).toEqual({ domain: "docker.io", query: "nginx" });
  });

  it("filters by stars, is-official, is-automated; refuses others in the daemon's words", () => {
    const rs = [
      result("a", { star_count: 5, is_official: true }),
      result("b", { star_count: 1, is_automated: true }),
    ];
    expect(rs.filter(searchFilter(["stars=3"])).map((r) => r.name)).toEqual(["a"]);
    expect(rs.filter(searchFilter(["is-official=false"])).map((r) => r.name)).toEqual(["b"]);
    expect(rs.filter(searchFilter(["is-automated=true", "stars=1"])).map((r) => r.name)).toEqual(["b"]);
    expect(() => searchFilter(["foo=1"])).toThrow("invalid filter 'foo'");
    expect(() => searchFilter(["stars=many"])).toThrow("invalid filter 'stars=many'");
    expect(() => searchFilter(["is-official=yes"])).toThrow("invalid filter 'is-official=yes'");
  });

  it("prints the docker CLI's table: the description cut at 45 with an ellipsis, [OK] for official", () => {
    const long = "An image whose description runs on well past the width";
    const rows = searchRows(
      [result("busybox", { description: long, star_count: 316, is_official: true })],
      true,
    );
    const text = renderFormat("table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}", rows, {
      headers: { Name: "NAME", Description: "DESCRIPTION", StarCount: "STARS", IsOfficial: "OFFICIAL" },
    });
    expect(text).toBe(
      "NAME      DESCRIPTION                                     STARS     OFFICIAL\n" +
        "busybox   An image whose description runs on well past…   316       [OK]\n",
    );
    expect(searchRows([result("x", { description: long })], false)[0]?.Description).toBe(long);
  });
});
