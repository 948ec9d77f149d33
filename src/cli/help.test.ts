import { describe, expect, it } from "vitest";
import { groupEntries, groupHelp, groupNames, mainHelp } from "./help.js";

describe("help", () => {
  it("lists a group's aliased verbs under the group, once each, sorted", () => {
    const verbs = groupEntries("image").map((e) => e.path[1]);
    expect(verbs).toEqual([
      "build",
      "copy",
      "history",
      "import",
      "inspect",
      "load",
      "ls",
      "prune",
      "pull",
      "push",
      "rm",
      "save",
      "tag",
    ]);
    const text = groupHelp("image");
    expect(text).toMatch(/^ {2}ls +List images$/m);
    expect(text).toMatch(/^ {2}rm +Remove one or more images$/m);
    expect(text).not.toMatch(/^ {2}list /m);
  });

  it("names groups known only through aliases in the main help", () => {
    expect(groupNames()).toContain("image");
    expect(mainHelp()).toMatch(/^ {2}image +Manage images$/m);
  });

  it("takes docker buildx build and prune as wharf's build and builder prune", () => {
    expect(groupEntries("buildx").map((e) => e.path.join(" "))).toEqual([
      "buildx bake",
      "buildx build",
      "buildx create",
      "buildx du",
      "buildx imagetools create",
      "buildx imagetools inspect",
      "buildx inspect",
      "buildx ls",
      "buildx prune",
      "buildx use",
      "buildx version",
    ]);
    expect(groupHelp("buildx")).toMatch(/^ {2}build +Build an image from a Dockerfile$/m);
    expect(mainHelp()).toMatch(/^ {2}builder +Manage builds$/m);
  });
});

describe("a sub-group named without its verb", () => {
  it("prints the sub-group's verbs, as `docker buildx imagetools` does", async () => {
    const { runCli } = await import("./testing/capture.js");
    const bare = await runCli(["buildx", "imagetools"]);
    expect(bare.status).toBe(0);
    expect(bare.stderr).toContain("Usage:  wharf buildx imagetools COMMAND");
    expect(bare.stderr).toMatch(/\n {2}create {3}Create a new image based on source images\n {2}inspect {2}/);
    const help = await runCli(["trust", "key", "--help"]);
    expect(help.stdout).toContain("  generate  Generate a signing key pair\n");
    const nope = await runCli(["buildx", "imagetools", "nope"]);
    expect(nope.status).toBe(1);
    expect(nope.stderr).toContain("unknown command: wharf buildx imagetools nope");
  });
});
