import { describe, expect, it } from "vitest";
import { checkMounts } from "./mounts.js";

describe("checkMounts", () => {
  const vol = (source: string, destination = "/data") => ({
    type: "volume" as const,
    source,
    destination,
    readOnly: false,
  });

  it("refuses what a library caller could pass that the CLI's parsers never make", () => {
    expect(() => checkMounts([vol("../../etc")])).toThrow("invalid volume name: ../../etc");
    expect(() => checkMounts([vol("a/b")])).toThrow("invalid volume name: a/b");
    expect(() => checkMounts([vol("data", "rel")])).toThrow(/must be absolute/);
    expect(() => checkMounts([vol("aa"), vol("bb")])).toThrow("Duplicate mount point: /data");
  });

  it("takes named and anonymous volumes, binds and tmpfs", () => {
    expect(() =>
      checkMounts([
        vol("data_1.x"),
        { type: "volume", source: "", destination: "/anon", readOnly: false, anonymous: true },
        { type: "bind", source: "/host", destination: "/b", readOnly: true },
        { type: "tmpfs", source: "", destination: "/t", readOnly: false },
      ]),
    ).not.toThrow();
  });
});
