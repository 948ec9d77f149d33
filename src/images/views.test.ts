import { beforeEach, describe, expect, it } from "vitest";
import { memoryContentStore } from "../content/index.js";
import { imageHistory } from "./history.js";
import { type Images, openImages } from "./images.js";
import { inspectImage } from "./inspect.js";
import { tagImage } from "./tag.js";
import { makeImage, type TestImage } from "./testing/fixtures.js";
import { validateImages } from "./testing/validate.js";

describe("inspect and history", () => {
  let images: Images;
  let img: TestImage;
  beforeEach(async () => {
    images = await openImages({ content: memoryContentStore() });
    img = await makeImage(images.content, {
      layers: [
        ["rootfs", "base"],
        ["app", "app"],
      ],
      platform: { os: "linux", architecture: "arm", variant: "v7" },
      created: "2024-03-04T05:06:07.123456789Z",
      config: {
        User: "app",
        Env: ["PATH=/bin"],
        Entrypoint: ["/app"],
        Cmd: ["--serve"],
        WorkingDir: "/srv",
        ExposedPorts: { "8080/tcp": {} },
        Labels: { team: "wharf" },
        StopSignal: "SIGINT",
      },
      history: [
        { created: "2024-03-01T00:00:00Z", created_by: "/bin/sh -c #(nop) ADD file:abc in /" },
        { created: "2024-03-02T00:00:00Z", created_by: "ENV PATH=/bin", empty_layer: true },
        {
          created: "2024-03-03T00:00:00Z",
          created_by: "COPY app /app # buildkit",
          comment: "buildkit.dockerfile.v0",
        },
        { created: "2024-03-04T05:06:07Z", created_by: 'CMD ["--serve"]', empty_layer: true },
      ],
      extra: { author: "someone", docker_version: "24.0.7", comment: "imported" },
    });
    await images.record({
      name: "localhost:5000/app:1",
      target: img.manifest,
      repoDigest: `localhost:5000/app@${img.manifest.digest}`,
    });
  });

  it("inspect has Docker's shape and field names", async () => {
    const v = await inspectImage(images, "localhost:5000/app:1");
    expect(v).toEqual({
      Id: img.id,
      RepoTags: ["localhost:5000/app:1"],
      RepoDigests: [`localhost:5000/app@${img.manifest.digest}`],
      Parent: "",
      Comment: "imported",
      Created: "2024-03-04T05:06:07.123456789Z",
      DockerVersion: "24.0.7",
      Author: "someone",
      Config: {
        Hostname: "",
        Domainname: "",
        User: "app",
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        ExposedPorts: { "8080/tcp": {} },
        Tty: false,
        OpenStdin: false,
        StdinOnce: false,
        Env: ["PATH=/bin"],
        Cmd: ["--serve"],
        Image: "",
        Volumes: null,
        WorkingDir: "/srv",
        Entrypoint: ["/app"],
        OnBuild: null,
        Labels: { team: "wharf" },
        StopSignal: "SIGINT",
      },
      Architecture: "arm",
      Variant: "v7",
      Os: "linux",
      Size: img.layers.reduce((n, l) => n + l.size, 0),
      RootFS: { Type: "layers", Layers: expect.any(Array) },
      Metadata: { LastTagTime: "0001-01-01T00:00:00Z" },
    });
    expect(v.RootFS.Layers).toHaveLength(2);
    expect(Object.keys(v)).toEqual([
      "Id",
      "RepoTags",
      "RepoDigests",
      "Parent",
      "Comment",
      "Created",
      "DockerVersion",
      "Author",
      "Config",
      "Architecture",
      "Variant",
      "Os",
      "Size",
      "RootFS",
      "Metadata",
    ]);
    await validateImages(images);
  });

  it("inspect shows the last local tag time", async () => {
    const before = new Date().toISOString();
    await tagImage(images, img.id, "copy:1");
    const v = await inspectImage(images, "copy:1");
    expect(v.Metadata.LastTagTime >= before).toBe(true);
    expect(v.RepoTags.sort()).toEqual(["copy:1", "localhost:5000/app:1"]);
    await validateImages(images);
  });

  it("history aligns steps with layers, newest first, <missing> below the top", async () => {
    const rows = await imageHistory(images, img.id.slice(7, 19));
    expect(rows).toEqual([
      {
        Id: img.id,
        Created: Date.parse("2024-03-04T05:06:07Z") / 1000,
        CreatedBy: 'CMD ["--serve"]',
        Tags: ["localhost:5000/app:1"],
        Size: 0,
        Comment: "",
      },
      {
        Id: "<missing>",
        Created: Date.parse("2024-03-03T00:00:00Z") / 1000,
        CreatedBy: "COPY app /app # buildkit",
        Tags: null,
        Size: img.layers[1]?.size,
        Comment: "buildkit.dockerfile.v0",
      },
      {
        Id: "<missing>",
        Created: Date.parse("2024-03-02T00:00:00Z") / 1000,
        CreatedBy: "ENV PATH=/bin",
        Tags: null,
        Size: 0,
        Comment: "",
      },
      {
        Id: "<missing>",
        Created: Date.parse("2024-03-01T00:00:00Z") / 1000,
        CreatedBy: "/bin/sh -c #(nop) ADD file:abc in /",
        Tags: null,
        Size: img.layers[0]?.size,
        Comment: "",
      },
    ]);
    await validateImages(images);
  });

  it("history without config history has a row per layer", async () => {
    const bare = await makeImage(images.content, {
      layers: [
        ["x", "1"],
        ["y", "2"],
      ],
      history: [],
    });
    await images.record({ name: "bare", target: bare.manifest });
    const rows = await imageHistory(images, "bare");
    expect(rows.map((r) => [r.Id, r.Size])).toEqual([
      [bare.id, bare.layers[1]?.size],
      ["<missing>", bare.layers[0]?.size],
    ]);
    await validateImages(images);
  });
});
