import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../testing/capture.js";
import { annotationsFlag, entitlementsOf } from "./build-buildx-flags.js";

const dir = mkdtempSync(join(tmpdir(), "wharf-build-buildx-flags-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("build --allow", () => {
  it("takes BuildKit's entitlements, comma-separated or repeated, and refuses others", () => {
    expect(entitlementsOf([])).toEqual({});
    expect(entitlementsOf(["network.host"])).toEqual({});
    expect(entitlementsOf(["network.host,security.insecure"])).toEqual({ allowInsecure: true });
    expect(entitlementsOf(["network.host", "security.insecure"])).toEqual({ allowInsecure: true });
    expect(() => entitlementsOf(["device"])).toThrow("invalid entitlement: device");
  });
});

describe("build --annotation, --builder and --call", () => {
  it("parses every annotation before the build; names only the one builder", async () => {
    expect(annotationsFlag([])).toEqual({});
    expect(annotationsFlag(["a=1", "index:b=2"])).toEqual({
      annotations: [
        { type: "manifest", key: "a", value: "1" },
        { type: "index", key: "b", value: "2" },
      ],
    });
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
    const root = join(dir, "root");
    const other = await runCli(["build", "--builder", "mine", dir], { root });
    expect([other.status, other.stderr.split("\n")[0]]).toEqual([1, 'Error: no builder "mine" found']);
    const env = await runCli(["build", dir], { root, env: { BUILDX_BUILDER: "elsewhere" } });
    expect(env.stderr.split("\n")[0]).toBe('Error: no builder "elsewhere" found');
    const check = await runCli(["build", "--call", "check", dir], { root });
    expect([check.status, check.stdout]).toEqual([0, "Check complete, no warnings found.\n"]);
    const targets = await runCli(["build", "--call=targets", dir], { root });
    expect([targets.status, targets.stdout]).toEqual([0, "TARGET    DESCRIPTION\n(default) \n"]);
    const unknown = await runCli(["build", "--call=lint", dir], { root });
    expect([unknown.status, unknown.stderr.split("\n")[0]]).toEqual([
      125,
      'invalid value "lint" for --call: expected build, check, outline or targets',
    ]);
    const bad = await runCli(["build", "--annotation", "novalue", dir], { root });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('invalid annotation "novalue": expected KEY=VALUE');
  });
});
