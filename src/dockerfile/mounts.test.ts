import { describe, expect, it } from "vitest";
import { parseMount, parseSize, readCsvRecord } from "./mounts.js";

describe("RUN --mount values", () => {
  it("reads CSV as Go's encoding/csv: quoted commas, doubled quotes, bare quotes refused", () => {
    expect(readCsvRecord('type=bind,"target=/a,b",source=x')).toEqual([
      "type=bind",
      "target=/a,b",
      "source=x",
    ]);
    expect(() => readCsvRecord('source=x""')).toThrow('bare " in non-quoted-field');
    expect(() => readCsvRecord('"a"b')).toThrow('extraneous or missing " in quoted-field');
    expect(readCsvRecord('"a""b",c')).toEqual(['a"b', "c"]);
    expect(() => readCsvRecord('a"b')).toThrow('bare " in non-quoted-field');
  });

  it("applies BuildKit's defaults: bind read-only, cache read-write and shared, secret id from the target", () => {
    expect(parseMount("target=/src")).toEqual({ type: "bind", target: "/src", readonly: true });
    expect(parseMount("type=cache,dst=/c")).toEqual({
      type: "cache",
      target: "/c",
      sharing: "shared",
      readonly: false,
    });
    expect(parseMount("type=secret,target=/etc/token")).toEqual({
      type: "secret",
      id: "token",
      target: "/etc/token",
      required: false,
    });
    expect(parseMount("type=secret,id=aws,env=AWS_KEY,required=true")).toEqual({
      type: "secret",
      id: "aws",
      env: "AWS_KEY",
      required: true,
    });
    expect(parseMount("type=bind,target=/x,readwrite=true,from=build,src=/out")).toEqual({
      type: "bind",
      target: "/x",
      source: "/out",
      from: "build",
      readonly: false,
    });
  });

  it("expands every value but from", () => {
    const env: Record<string, string> = { T: "tmpfs", D: "/scratch", S: "1g" };
    expect(
      parseMount("type=$T,target=$D,size=$S", (v) => v.replace(/\$(\w+)/g, (_, n: string) => env[n] ?? "")),
    ).toEqual({ type: "tmpfs", target: "/scratch", size: 1024 ** 3 });
  });

  it("reads sizes as Docker's RAMInBytes", () => {
    expect([
      parseSize("100"),
      parseSize("64m"),
      parseSize("1.5k"),
      parseSize("2GiB"),
      parseSize("3 kb"),
    ]).toEqual([100, 64 * 1024 * 1024, 1536, 2 * 1024 ** 3, 3072]);
  });
});
