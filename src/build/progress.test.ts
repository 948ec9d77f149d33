import { describe, expect, it } from "vitest";
import { addPrefix, createProgress, sharedProgress } from "./progress.js";

function sink() {
  let text = "";
  return {
    out: {
      write: (s: string) => {
        text += s;
        return true;
      },
    } as unknown as NodeJS.WritableStream,
    text: () => text,
  };
}

describe("progress", () => {
  it("plain: #N headers, output with seconds, CACHED and DONE, a blank line between steps", () => {
    const s = sink();
    const p = createProgress("plain", s.out);
    const a = p.vertex("[1/2] FROM docker.io/library/busybox:latest");
    a.cached();
    const b = p.vertex("[2/2] RUN echo hi");
    b.output(Buffer.from("hi\npart"));
    b.done();
    p.close();
    const lines = s.text().split("\n");
    expect(lines[0]).toBe("#1 [1/2] FROM docker.io/library/busybox:latest");
    expect(lines[1]).toBe("#1 CACHED");
    expect(lines[2]).toBe("");
    expect(lines[3]).toBe("#2 [2/2] RUN echo hi");
    expect(lines[4]).toMatch(/^#2 \d+\.\d{3} hi$/);
    expect(lines[5]).toMatch(/^#2 \d+\.\d{3} part$/);
    expect(lines[6]).toMatch(/^#2 DONE \d+\.\ds$/);
    expect(b.tail()).toEqual(["hi", "part"]);
  });

  it("quiet prints nothing; auto is plain off a terminal", () => {
    const s = sink();
    createProgress("quiet", s.out).vertex("x").done();
    expect(s.text()).toBe("");
    const t = sink();
    createProgress("auto", t.out).vertex("x").error("boom");
    expect(t.text()).toBe("#1 x\n#1 ERROR: boom\n");
    const c = sink();
    createProgress("plain", c.out).vertex("y").canceled();
    expect(c.text()).toBe("#1 y\n#1 CANCELED\n");
  });

  it("tty redraws a compact view in place", () => {
    const s = sink();
    const out = Object.assign(s.out, { isTTY: true, columns: 80 });
    const p = createProgress("auto", out);
    p.vertex("[1/1] RUN true").done();
    p.close();
    expect(s.text()).toContain("[+] Building");
    expect(s.text()).toContain("=> [1/1] RUN true");
  });

  it("shared: builds number their steps in one sequence, each step named with its target as buildx's", () => {
    expect(addPrefix("app", "[internal] load build definition from Dockerfile")).toBe(
      "[app internal] load build definition from Dockerfile",
    );
    expect(addPrefix("app", "[base 2/3] RUN make")).toBe("[app base 2/3] RUN make");
    expect(addPrefix("app", "exporting to image")).toBe("[app] exporting to image");
    const s = sink();
    const renderer = createProgress("plain", s.out);
    const app = sharedProgress(renderer, "app");
    const tool = sharedProgress(renderer, "tool");
    const a = app.vertex("[1/1] RUN sleep 1");
    const t = tool.vertex("[1/1] RUN sleep 1");
    a.done();
    t.error("boom");
    app.close(); // a view's close leaves the renderer to its owner
    tool.vertex("exporting to image").done();
    renderer.close();
    const lines = s.text().split("\n");
    expect(lines.filter((l) => / \[|DONE|ERROR/.test(l))).toEqual([
      "#1 [app 1/1] RUN sleep 1",
      "#2 [tool 1/1] RUN sleep 1",
      "#1 [app 1/1] RUN sleep 1",
      expect.stringMatching(/^#1 DONE \d+\.\ds$/),
      "#2 [tool 1/1] RUN sleep 1",
      "#2 ERROR: boom",
      "#3 [tool] exporting to image",
      expect.stringMatching(/^#3 DONE \d+\.\ds$/),
    ]);
    // Without a prefix (one target) the names are the build's own.
    expect(sharedProgress(renderer).vertex("[1/1] RUN x").name).toBe("[1/1] RUN x");
  });
});
