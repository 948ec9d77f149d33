import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusyboxWith } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** `wharf search` against wharf's registry (its /v1/search), as Docker Hub's stand-in, and others. */
describe("wharf search", () => {
  let reg: RunningRegistry;
  let dist: RunningRegistry;
  let locked: RunningRegistry;
  let cli: WharfCli;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-search-"));
    const line = execFileSync("htpasswd", ["-Bbn", "-C", "5", "alice", "wonderland"]).toString().trim();
    writeFileSync(join(dir, "htpasswd"), `${line}\n`);
    [reg, dist, locked] = await Promise.all([
      startWharfRegistry(),
      startDistribution(),
      startWharfRegistry({
        extraYaml: [
          "auth:",
          "  htpasswd:",
          "    realm: search-test",
          `    path: ${join(dir, "htpasswd")}`,
        ].join("\n"),
      }),
    ]);
    cli = await wharfCli();
    for (const repo of ["busybox", "busybox-extra", "curl"]) {
      await pushBusyboxWith(reg, join(dir, "layout"), { repo, applets: ["sh"], cmd: ["sh"] });
    }
  }, 120_000);

  afterAll(async () => {
    await closeAll(cli, [reg, dist, locked], dir);
  });

  it("searches the registry the term names, printed as the docker CLI prints it", async () => {
    expect(await cli.ok("search", `${reg.host}/busy`)).toBe(
      [
        "NAME                DESCRIPTION   STARS     OFFICIAL",
        "e2e/busybox                       0         ",
        "e2e/busybox-extra                 0         ",
        "",
      ].join("\n"),
    );
    expect(
      await cli.ok("search", "--limit", "1", "--format", "{{.Name}} {{.StarCount}}", `${reg.host}/e2e`),
    ).toBe("e2e/busybox 0\n");
    expect(await cli.ok("search", "--format", "{{json .}}", `${reg.host}/curl`)).toBe(
      '{"Description":"","IsAutomated":"","IsOfficial":"","Name":"e2e/curl","StarCount":"0"}\n',
    );
    expect(
      await cli.ok("search", "--filter", "is-official=true", "--format", "{{.Name}}", `${reg.host}/e2e`),
    ).toBe("");
  }, 60_000);

  it("a term without a registry goes to Docker Hub's index (here its stand-in)", async () => {
    const r = await cli.run(["search", "--format", "{{.Name}}", "busybox-e"], {
      env: { WHARF_DEFAULT_REGISTRY_API: reg.host },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("e2e/busybox-extra\n");
  }, 60_000);

  it("refuses bad flags, a registry without search and one that needs a login until it has it", async () => {
    const limit = await cli.run(["search", "--limit", "101", `${reg.host}/x`]);
    expect(limit.code).toBe(1);
    expect(limit.stderr).toContain("limit 101 is outside the range of [1, 100]");
    const filter = await cli.run(["search", "--filter", "color=red", `${reg.host}/x`]);
    expect(filter.stderr).toContain("invalid filter 'color'");
    const none = await cli.run(["search", `${dist.host}/x`]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`search of ${dist.host}`);
    const anonymous = await cli.run(["search", `${locked.host}/x`]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain("no basic auth credentials");
    await cli.ok("login", "-u", "alice", "-p", "wonderland", locked.host);
    expect(await cli.ok("search", `${locked.host}/x`)).toBe("NAME      DESCRIPTION   STARS     OFFICIAL\n");
  }, 60_000);
});
