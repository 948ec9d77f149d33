import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatPlatform, hostPlatform } from "../../oci/index.js";
import { runCli } from "../testing/capture.js";
import { VERSION } from "../version.js";
import { builderPlatforms } from "./buildx-builder.js";
import { duTable, duVerbose } from "./buildx-du.js";

const dir = mkdtempSync(join(tmpdir(), "wharf-buildx-builder-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const host = formatPlatform(hostPlatform());

describe("buildx's builder verbs over wharf's one builder", () => {
  it("ls: buildx's table, the current builder marked, this machine's platform", async () => {
    const r = await runCli(["buildx", "ls"], { root: join(dir, "root") });
    expect(r.status).toBe(0);
    const version = `wharf-v${VERSION}`;
    const w = Math.max(10, version.length + 3);
    expect(r.stdout).toBe(
      [
        `NAME/NODE     DRIVER/ENDPOINT   STATUS    ${"BUILDKIT".padEnd(w)}PLATFORMS`,
        `default*      wharf                       ${"".padEnd(w)}`,
        ` \\_ default    \\_ default       running   ${version.padEnd(w)}${builderPlatforms().join(", ")}`,
        "",
      ].join("\n"),
    );
    expect(builderPlatforms()[0]).toBe(host);
  });

  it("inspect [default]: buildx's layout; another name refused in buildx's words", async () => {
    for (const args of [[], ["default"], ["--bootstrap"]]) {
      const r = await runCli(["buildx", "inspect", ...args], { root: join(dir, "root") });
      expect(r.stdout).toBe(
        [
          "Name:   default",
          "Driver: wharf",
          "",
          "Nodes:",
          "Name:             default",
          "Endpoint:         default",
          "Status:           running",
          `BuildKit version: wharf-v${VERSION}`,
          `Platforms:        ${builderPlatforms().join(", ")}`,
          "",
        ].join("\n"),
      );
    }
    const other = await runCli(["buildx", "inspect", "mybuilder"], { root: join(dir, "root") });
    expect([other.status, other.stderr.split("\n")[0]]).toEqual([1, 'Error: no builder "mybuilder" found']);
  });

  it("use default is taken; use of another name and create are refused", async () => {
    expect(await runCli(["buildx", "use", "default"], { root: join(dir, "root") })).toEqual({
      status: 0,
      stdout: "",
      stderr: "",
    });
    const other = await runCli(["buildx", "use", "remote"], { root: join(dir, "root") });
    expect([other.status, other.stderr.split("\n")[0]]).toEqual([
      1,
      'Error: failed to find instance "remote"',
    ]);
    const create = await runCli(["buildx", "create", "--name", "x", "--use"], { root: join(dir, "root") });
    expect([create.status, create.stderr.split("\n")[0]]).toEqual([
      1,
      "Error: buildx create is not supported: wharf has one builder, default",
    ]);
  });

  it("version: one line", async () => {
    const r = await runCli(["buildx", "version"], { root: join(dir, "root") });
    expect(r.stdout).toMatch(new RegExp(`^wharf v${VERSION.replaceAll(".", "\\.")}( [0-9a-f]+)?\\n$`));
  });

  it("platforms: this machine's, then those an enabled binfmt_misc entry emulates", () => {
    const binfmt = join(dir, "binfmt");
    mkdirSync(binfmt);
    writeFileSync(join(binfmt, "qemu-aarch64"), "enabled\ninterpreter /usr/bin/qemu-aarch64-static\n");
    writeFileSync(join(binfmt, "qemu-arm"), "disabled\ninterpreter /usr/bin/qemu-arm-static\n");
    writeFileSync(join(binfmt, "qemu-s390x"), "enabled\n");
    writeFileSync(join(binfmt, "status"), "enabled\n");
    const expected = [host, ...["linux/arm64", "linux/s390x"].filter((p) => p !== host)];
    expect(builderPlatforms(binfmt)).toEqual(expected);
    expect(builderPlatforms(join(dir, "none"))).toEqual([host]);
  });

  it("du: the records' table and summary, and the verbose blocks", async () => {
    const now = Date.parse("2026-01-02T00:00:00Z");
    const records = [
      {
        id: "0123456789abcdef012345678",
        size: 2_500_000,
        created: new Date(now - 3_600_000),
        lastUsed: new Date(now - 120_000),
        description: "RUN /bin/sh -c make",
      },
      {
        id: "fedcba9876543210fedcba987",
        size: 0,
        created: new Date(now),
        lastUsed: new Date(now - 5000),
        description: "",
      },
    ];
    expect(duTable(records, now)).toBe(
      [
        // Go's tab writer filled with tabs: each column a multiple of 8 past its widest cell.
        `ID${"\t".repeat(6)}RECLAIMABLE\tSIZE\t\tLAST ACCESSED`,
        `${"0123456789abcdef012345678".padEnd(40)}\ttrue \t\t2.5MB     \t2 minutes ago`,
        `${"fedcba9876543210fedcba987".padEnd(40)}\ttrue \t\t0B        \t5 seconds ago`,
        "Reclaimable:\t2.5MB",
        "Total:\t\t2.5MB",
        "",
      ].join("\n"),
    );
    const verbose = duVerbose(records, now);
    expect(verbose.split("\n").slice(0, 11)).toEqual([
      "ID:\t\t0123456789abcdef012345678",
      expect.stringMatching(/^Created at:\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$/),
      "Mutable:\tfalse",
      "Reclaimable:\ttrue",
      "Shared:\t\tfalse",
      "Size:\t\t2.5MB",
      "Description:\tRUN /bin/sh -c make",
      "Usage count:\t1",
      "Last used:\t2 minutes ago",
      "Type:\t\tregular",
      "",
    ]);
    expect(verbose.endsWith("Reclaimable:\t2.5MB\nTotal:\t\t2.5MB\n")).toBe(true);
    const empty = await runCli(["buildx", "du"], { root: join(dir, "empty-root") });
    expect(empty.stdout).toBe(`ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\nReclaimable:\t0B\nTotal:\t\t0B\n`);
  });

  it("du after a build: the step records system df -v counts, then none after builder prune", async () => {
    const root = join(dir, "build-root");
    const context = join(dir, "ctx");
    mkdirSync(context);
    writeFileSync(join(context, "Dockerfile"), "FROM scratch\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\n");
    writeFileSync(join(context, "a.txt"), "a".repeat(3000));
    writeFileSync(join(context, "b.txt"), "b");
    const built = await runCli(["build", "-q", "-t", "du:1", context], { root });
    expect(built.status, built.stderr).toBe(0);
    const du = (await runCli(["buildx", "du"], { root })).stdout.split("\n");
    const ids = du.slice(1, -3).map((l) => l.split(/\s+/)[0]);
    expect(ids).toHaveLength(2);
    const df = (await runCli(["system", "df", "-v"], { root })).stdout;
    for (const id of ids) expect(df).toContain(id as string);
    expect(du.slice(1, -3).every((l) => /^[0-9a-f]{25} +\ttrue \t\t\S+ +\t.* ago$/.test(l))).toBe(true);
    expect(du.at(-2)).toMatch(/^Total:\t\t\d/);
    await runCli(["builder", "prune", "-f"], { root });
    expect((await runCli(["buildx", "du"], { root })).stdout).toBe(
      `ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\nReclaimable:\t0B\nTotal:\t\t0B\n`,
    );
  });
});
