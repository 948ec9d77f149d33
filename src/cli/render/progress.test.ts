import { describe, expect, it } from "vitest";
import type { Digest } from "../../digest/index.js";
import type { ProgressEvent } from "../../remote/index.js";
import { progressBar, progressView, pullProgress, pushProgress } from "./progress.js";

const digest = `sha256:${"ab".repeat(32)}` as Digest;
const layer = (id: string, state: string, current = 0, extra: object = {}): ProgressEvent =>
  ({ type: "blob", id, digest, role: "layer", state, current, total: 2_000_000, ...extra }) as ProgressEvent;

describe("progressBar (Docker's JSONProgress)", () => {
  it("draws a 50-step bar above 110 columns, sizes, and the time left", () => {
    expect(progressBar({ current: 1_000_000, total: 2_000_000, start: 0 }, 200, 2000)).toBe(
      `[${"=".repeat(25)}>${" ".repeat(25)}]      1MB/2MB 2s`,
    );
    expect(progressBar({ current: 1_049_000, total: 31_360_000 }, 80)).toBe(" 1.049MB/31.36MB");
    expect(progressBar({ current: 5, total: 0 }, 80)).toBe("      5B");
    expect(progressBar({ current: 0, total: 0 }, 80)).toBe("");
  });
});

describe("plain lines", () => {
  it("pull: Docker's lines, byte progress left out", () => {
    let out = "";
    const view = progressView({ write: (s) => (out += s), tty: false });
    const listen = pullProgress(view);
    view.line("latest: Pulling from library/app");
    for (const e of [
      layer("aaaaaaaaaaaa", "waiting"),
      layer("bbbbbbbbbbbb", "waiting"),
      layer("bbbbbbbbbbbb", "exists"),
      layer("aaaaaaaaaaaa", "downloading", 0),
      layer("aaaaaaaaaaaa", "downloading", 1000),
      layer("aaaaaaaaaaaa", "verifying", 2_000_000),
      layer("aaaaaaaaaaaa", "complete", 2_000_000),
      { ...layer("cccccccccccc", "complete"), role: "config" } as ProgressEvent,
    ]) {
      listen(e);
    }
    expect(out).toBe(
      [
        "latest: Pulling from library/app",
        "aaaaaaaaaaaa: Pulling fs layer",
        "bbbbbbbbbbbb: Pulling fs layer",
        "bbbbbbbbbbbb: Already exists",
        "aaaaaaaaaaaa: Verifying Checksum",
        "aaaaaaaaaaaa: Download complete",
        "aaaaaaaaaaaa: Pull complete",
        "",
      ].join("\n"),
    );
  });
  it("push: Preparing, Pushed, Layer already exists, Mounted from", () => {
    let out = "";
    const listen = pushProgress(progressView({ write: (s) => (out += s), tty: false }));
    listen(layer("aaaaaaaaaaaa", "waiting"));
    listen(layer("bbbbbbbbbbbb", "waiting"));
    listen(layer("cccccccccccc", "waiting"));
    listen(layer("aaaaaaaaaaaa", "uploading", 100));
    listen(layer("aaaaaaaaaaaa", "pushed"));
    listen(layer("bbbbbbbbbbbb", "exists"));
    listen(layer("cccccccccccc", "mounted", 0, { from: "library/base" }));
    expect(out.split("\n")).toEqual([
      "aaaaaaaaaaaa: Preparing",
      "bbbbbbbbbbbb: Preparing",
      "cccccccccccc: Preparing",
      "aaaaaaaaaaaa: Pushed",
      "bbbbbbbbbbbb: Layer already exists",
      "cccccccccccc: Mounted from library/base",
      "",
    ]);
  });
});

describe("terminal", () => {
  it("rewrites a layer's line in place with cursor movement", () => {
    let out = "";
    let t = 0;
    const view = progressView({ write: (s) => (out += s), tty: true, columns: 80, now: () => t });
    view.status("a", "Pulling fs layer");
    view.status("b", "Pulling fs layer");
    view.status("a", "Downloading", { current: 500, total: 1000 });
    t = 10;
    view.status("a", "Downloading", { current: 600, total: 1000 }); // throttled: same status, too soon
    view.status("b", "Already exists");
    view.line("Digest: x");
    view.status("a", "new group");
    expect(out).toBe(
      [
        "a: Pulling fs layer\n",
        "b: Pulling fs layer\n",
        "\x1b[2A\r\x1b[2Ka: Downloading     500B/1kB\r\x1b[2B",
        "\x1b[1A\r\x1b[2Kb: Already exists\r\x1b[1B",
        "Digest: x\n",
        "a: new group\n",
      ].join(""),
    );
  });
});
