import { describe, expect, it } from "vitest";
import type { Digest } from "../../digest/index.js";
import type { ImageSummary, TreeImage, TreePlatform } from "../../images/index.js";
import { renderTree } from "./images-tree.js";

const ESC = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const id = (short: string) => `sha256:${short.padEnd(64, "0")}` as Digest;

function summary(repoTags: string[], short: string): ImageSummary {
  return {
    id: id(short),
    repoTags,
    repoDigests: [],
    names: [],
    created: undefined,
    size: 0,
    labels: {},
    dangling: repoTags.length === 0,
    target: { mediaType: "application/vnd.oci.image.index.v1+json", digest: id(short), size: 1 },
    manifest: id(short),
    platform: { os: "linux", architecture: "amd64" },
  };
}

function plat(platform: string, short: string, disk = 0, content = 0, inUse = false): TreePlatform {
  return { platform, id: id(short), available: disk > 0, diskUsage: disk, contentSize: content, inUse };
}

/** The alpine image of Docker's `docker image rm --platform` docs example, before and after. */
function alpine(removed: boolean): TreeImage {
  const platforms = [
    removed ? plat("linux/amd64", "1c4eef651f65") : plat("linux/amd64", "1c4eef651f65", 12.1e6, 3.64e6, true),
    plat("linux/arm/v6", "903bfe2ae994"),
    plat("linux/arm/v7", "9c2d245b3c01"),
    plat("linux/arm64/v8", "757d680068d7", 12.8e6, 3.99e6),
    plat("linux/386", "2436f2b3b7d2"),
    removed ? plat("linux/ppc64le", "9ed53fd3b831") : plat("linux/ppc64le", "9ed53fd3b831", 12.8e6, 3.58e6),
    plat("linux/riscv64", "1de5eb4a9a67"),
    plat("linux/s390x", "fe0dcdd1f783"),
  ];
  return {
    image: summary(["alpine:latest"], "a8560b36e8b8"),
    diskUsage: removed ? 12.8e6 : 37.8e6,
    contentSize: removed ? 3.99e6 : 11.2e6,
    inUse: !removed,
    platforms,
  };
}

describe("images --tree rendering", () => {
  it("is Docker's docs example, column for column (docker image rm --platform, before)", () => {
    expect(renderTree([alpine(false)], { tty: false }).join("\n")).toBe(
      [
        "IMAGE                   ID             DISK USAGE   CONTENT SIZE   EXTRA",
        "alpine:latest           a8560b36e8b8       37.8MB         11.2MB    U",
        "├─ linux/amd64          1c4eef651f65       12.1MB         3.64MB    U",
        "├─ linux/arm/v6         903bfe2ae994           0B             0B",
        "├─ linux/arm/v7         9c2d245b3c01           0B             0B",
        "├─ linux/arm64/v8       757d680068d7       12.8MB         3.99MB",
        "├─ linux/386            2436f2b3b7d2           0B             0B",
        "├─ linux/ppc64le        9ed53fd3b831       12.8MB         3.58MB",
        "├─ linux/riscv64        1de5eb4a9a67           0B             0B",
        "└─ linux/s390x          fe0dcdd1f783           0B             0B",
      ].join("\n"),
    );
  });

  it("is Docker's docs example after the two platforms went", () => {
    expect(renderTree([alpine(true)], { tty: false }).join("\n")).toBe(
      [
        "IMAGE                   ID             DISK USAGE   CONTENT SIZE   EXTRA",
        "alpine:latest           a8560b36e8b8       12.8MB         3.99MB",
        "├─ linux/amd64          1c4eef651f65           0B             0B",
        "├─ linux/arm/v6         903bfe2ae994           0B             0B",
        "├─ linux/arm/v7         9c2d245b3c01           0B             0B",
        "├─ linux/arm64/v8       757d680068d7       12.8MB         3.99MB",
        "├─ linux/386            2436f2b3b7d2           0B             0B",
        "├─ linux/ppc64le        9ed53fd3b831           0B             0B",
        "├─ linux/riscv64        1de5eb4a9a67           0B             0B",
        "└─ linux/s390x          fe0dcdd1f783           0B             0B",
      ].join("\n"),
    );
  });

  it("puts each name on its own line, a blank line between images, <untagged> for none", () => {
    const single: TreeImage = {
      image: summary(["registry.example.test/team/a-long-name:1.0"], "0123456789ab"),
      diskUsage: 1234,
      contentSize: 567,
      inUse: true,
      platforms: [],
    };
    const multi: TreeImage = {
      ...alpine(true),
      image: summary(["alpine:latest", "alpine:3.21"], "a8560b36e8b8"),
    };
    const none: TreeImage = { ...single, image: summary([], "fedcba987654"), inUse: false };
    expect(renderTree([multi, single, none], { tty: false })).toEqual([
      "IMAGE                                        ID             DISK USAGE   CONTENT SIZE   EXTRA",
      "alpine:latest",
      "alpine:3.21                                  a8560b36e8b8       12.8MB         3.99MB",
      "├─ linux/amd64                               1c4eef651f65           0B             0B",
      "├─ linux/arm/v6                              903bfe2ae994           0B             0B",
      "├─ linux/arm/v7                              9c2d245b3c01           0B             0B",
      "├─ linux/arm64/v8                            757d680068d7       12.8MB         3.99MB",
      "├─ linux/386                                 2436f2b3b7d2           0B             0B",
      "├─ linux/ppc64le                             9ed53fd3b831           0B             0B",
      "├─ linux/riscv64                             1de5eb4a9a67           0B             0B",
      "└─ linux/s390x                               fe0dcdd1f783           0B             0B",
      "",
      "registry.example.test/team/a-long-name:1.0   0123456789ab       1.23kB           567B    U",
      "",
      "<untagged>                                   fedcba987654       1.23kB           567B",
    ]);
    // Single-platform images alone: no blank lines.
    expect(renderTree([single, none], { tty: false })).toHaveLength(3);
  });

  it("on a terminal: the legend over the table, the IMAGE column fitted to the width, greyed platforms", () => {
    const lines = renderTree(
      [{ ...alpine(true), image: summary(["registry.example.test/a/very/long/name:tag"], "a8560b36e8b8") }],
      {
        tty: true,
        width: 80,
      },
    );
    const plain = lines.map((l) => l.replace(ESC, ""));
    expect(plain[0]).toBe(`${" ".repeat(60)}i Info →   U  In Use`);
    expect(plain[1]).toBe("");
    // 80 - (12+3) - (10+3) - (12+3) - (5+3) = 29 columns for IMAGE; longer names are cut with "...".
    expect(plain[2]).toBe(`IMAGE${" ".repeat(24)}   ID             DISK USAGE   CONTENT SIZE   EXTRA`);
    expect(plain[3]?.startsWith("registry.example.test/a/ve...   a8560b36e8b8")).toBe(true);
    // Platforms not stored here are faint (greyed); stored ones are not.
    expect(lines.find((l) => l.includes("linux/386"))).toContain("\u001b[2m");
    expect(lines.find((l) => l.includes("linux/arm64/v8"))).not.toContain("\u001b[2m");
    // NO_COLOR: the same lines, no escapes.
    const bare = renderTree(
      [{ ...alpine(true), image: summary(["registry.example.test/a/very/long/name:tag"], "a8560b36e8b8") }],
      {
        tty: true,
        width: 80,
        color: false,
      },
    );
    expect(bare).toEqual(plain);
  });
});
