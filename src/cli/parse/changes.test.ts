import { describe, expect, it } from "vitest";
import { isWharfError } from "../../errors/index.js";
import { applyChanges, parseChanges } from "./changes.js";

const apply = (config: object, ...lines: string[]) => applyChanges(config, parseChanges(lines));

describe("commit/import changes", () => {
  it("sets CMD and ENTRYPOINT in exec and shell form", () => {
    expect(apply({}, 'CMD ["/bin/sh", "-c", "echo hi"]').Cmd).toEqual(["/bin/sh", "-c", "echo hi"]);
    expect(apply({}, "CMD echo $HOME").Cmd).toEqual(["/bin/sh", "-c", "echo $HOME"]);
    expect(apply({ Shell: ["/bin/bash", "-xc"] }, "ENTRYPOINT run it").Entrypoint).toEqual([
      "/bin/bash",
      "-xc",
      "run it",
    ]);
  });

  it("drops the Cmd on ENTRYPOINT unless a change set it first", () => {
    expect(apply({ Cmd: ["sh"] }, 'ENTRYPOINT ["top"]').Cmd).toBeNull();
    expect(apply({ Cmd: ["sh"] }, 'CMD ["-b"]', 'ENTRYPOINT ["top"]')).toEqual({
      Cmd: ["-b"],
      Entrypoint: ["top"],
    });
  });

  it("expands ENV, LABEL, USER, WORKDIR, VOLUME and EXPOSE against the config's environment", () => {
    const c = apply(
      { Env: ["PATH=/bin", "APP=/srv/app"], WorkingDir: "/srv" },
      "ENV A=1 B=$APP/x",
      'LABEL "com.example.v"="$A" other=two',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable
      "USER ${A}000",
      "WORKDIR data",
      "WORKDIR ../$A",
      "VOLUME $APP/cache /tmp",
      "EXPOSE 80 53/udp 8000-8001",
    );
    expect(c).toEqual({
      Env: ["PATH=/bin", "APP=/srv/app", "A=1", "B=/srv/app/x"],
      Labels: { "com.example.v": "1", other: "two" },
      User: "1000",
      WorkingDir: "/srv/1",
      Volumes: { "/srv/app/cache": {}, "/tmp": {} },
      ExposedPorts: { "80/tcp": {}, "53/udp": {}, "8000/tcp": {}, "8001/tcp": {} },
    });
  });

  it("a later ENV replaces a variable by name; LABEL sees variables set by earlier changes", () => {
    const c = apply({ Env: ["A=old"] }, "ENV A=new", "LABEL v=$A");
    expect(c.Env).toEqual(["A=new"]);
    expect(c.Labels).toEqual({ v: "new" });
  });

  it("appends ONBUILD triggers as their text and sets HEALTHCHECK", () => {
    const c = apply({ OnBuild: ["RUN a"] }, "ONBUILD RUN echo $X", "HEALTHCHECK --interval=5s CMD true");
    expect(c.OnBuild).toEqual(["RUN a", "RUN echo $X"]);
    expect(c.Healthcheck).toEqual({ Test: ["CMD-SHELL", "true"], Interval: 5_000_000_000 });
  });

  it("refuses what Docker refuses, in Docker's words", () => {
    for (const [line, msg] of [
      ["RUN echo hi", "run is not a valid change command"],
      ["COPY a b", "copy is not a valid change command"],
      ["FROM busybox", "from is not a valid change command"],
      ["MAINTAINER me", "maintainer is not a valid change command"],
    ] as const) {
      let err: unknown;
      try {
        parseChanges([line]);
      } catch (e) {
        err = e;
      }
      expect(isWharfError(err, "invalid-argument")).toBe(true);
      expect((err as Error).message).toBe(msg);
    }
    expect(() => parseChanges(["ONBUILD FROM x"])).toThrow(/isn't allowed as an ONBUILD trigger/);
    expect(() => parseChanges([""])).toThrow(/empty change/);
    expect(() => parseChanges(['CMD ["unterminated'])).not.toThrow();
  });

  it("leaves the input config unchanged", () => {
    const base = { Env: ["A=1"], Labels: { x: "1" } };
    apply(base, "ENV A=2", "LABEL x=2");
    expect(base).toEqual({ Env: ["A=1"], Labels: { x: "1" } });
  });
});
