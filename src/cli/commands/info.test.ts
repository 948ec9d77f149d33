import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../../files/testing/temp.js";
import { runCli } from "../testing/capture.js";
import { SECCOMP_WARNING } from "./info-security.js";

const temp = tempDirs("wharf-info-");

/** An environment whose daemon.json holds `keys` (a file of the test's own), or none. */
function envWith(keys?: Record<string, unknown>): NodeJS.ProcessEnv {
  const file = join(temp(), "daemon.json");
  if (keys) writeFileSync(file, JSON.stringify(keys));
  return { WHARF_DAEMON_CONFIG: file };
}

describe("wharf info", () => {
  const info = (env: NodeJS.ProcessEnv, ...args: string[]) =>
    runCli(["info", ...args], { root: temp(), env });

  it("shows daemon.json's profile file in text and in SecurityOptions, and warns on stderr", async () => {
    const profile = join(temp(), "profile.json");
    const env = envWith({ "seccomp-profile": profile });
    const text = await info(env);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(` Security Options:\n  seccomp\n   Profile: ${profile}\n Kernel Version:`);
    expect(text.stderr).toContain(`${SECCOMP_WARNING}\n`);
    const json = await info(env, "--format", "{{json .SecurityOptions}}");
    expect(JSON.parse(json.stdout)).toEqual([`name=seccomp,profile=${profile}`]);
    expect(json.stderr).not.toContain(SECCOMP_WARNING);
  });

  it("unconfined and builtin", async () => {
    const unconfined = await info(envWith({ "seccomp-profile": "unconfined" }));
    expect(unconfined.stdout).toContain("  seccomp\n   Profile: unconfined\n");
    expect(unconfined.stderr).toContain(SECCOMP_WARNING);
    const builtin = await info(envWith());
    expect(builtin.stdout).toContain("  seccomp\n   Profile: builtin\n");
    expect(builtin.stderr).not.toContain(SECCOMP_WARNING);
    expect((await info(envWith(), "--format", "{{json .SecurityOptions}}")).stdout).toBe(
      '["name=seccomp,profile=builtin"]\n',
    );
  });
});
