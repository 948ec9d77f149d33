import { describe, expect, it } from "vitest";
import { containerConfig } from "./commit.js";
import type { ContainerRecord } from "./types.js";

const rec = (imageConfig: ContainerRecord["imageConfig"], options: ContainerRecord["options"]) =>
  ({ imageConfig, options }) as ContainerRecord;

describe("containerConfig (Docker's container.Config, as commit keeps it)", () => {
  const image = {
    Env: ["PATH=/usr/bin:/bin", "A=image"],
    Cmd: ["sh"],
    Entrypoint: null,
    WorkingDir: "/srv",
    Labels: { from: "image", both: "image" },
    Volumes: { "/data": {} },
    ExposedPorts: { "80/tcp": {} },
    OnBuild: ["RUN x"],
    Shell: ["/bin/bash", "-c"],
  };

  it("keeps the image's config when run was given nothing (no ONBUILD or SHELL, as Docker's merge)", () => {
    expect(containerConfig(rec(image, {}))).toEqual({
      Env: ["PATH=/usr/bin:/bin", "A=image"],
      Cmd: ["sh"],
      WorkingDir: "/srv",
      Labels: { from: "image", both: "image" },
      Volumes: { "/data": {} },
      ExposedPorts: { "80/tcp": {} },
    });
  });

  it("puts run's options over the image's", () => {
    const c = containerConfig(
      rec(image, {
        env: ["A=run", "B=run"],
        args: ["echo", "hi"],
        user: "1000",
        workdir: "/work",
        labels: { both: "run" },
        stopSignal: "SIGINT",
        mounts: [
          { type: "volume", source: "", destination: "/anon", readOnly: false, anonymous: true },
          { type: "bind", source: "/host", destination: "/bound", readOnly: false },
        ],
      }),
    );
    expect(c).toEqual({
      Env: ["PATH=/usr/bin:/bin", "A=run", "B=run"],
      Cmd: ["echo", "hi"],
      User: "1000",
      WorkingDir: "/work",
      Labels: { from: "image", both: "run" },
      Volumes: { "/data": {}, "/anon": {} },
      ExposedPorts: { "80/tcp": {} },
      StopSignal: "SIGINT",
    });
  });

  it("drops the image's Cmd when --entrypoint is given without arguments", () => {
    const c = containerConfig(rec(image, { entrypoint: ["/bin/top"] }));
    expect(c.Entrypoint).toEqual(["/bin/top"]);
    expect(c.Cmd).toBeUndefined();
  });
});
