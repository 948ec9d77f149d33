import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/registries.js";

/**
 * The verbs that start containers load no tar code (tar-stream, the archive module's parsers):
 * starting a container from unpacked layers needs none, and every module loaded costs `run` time.
 * The container-file verbs (cp, export, commit, diff) live beside `run` in the runtime and rootfs
 * modules and load it only when they run. Checked on the built modules (`npm run build` first).
 */
describe("lazy modules", () => {
  it.each(["run", "create", "start", "exec", "ps"])("%s's command module loads no tar code", (verb) => {
    const probe = `
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      await import(${JSON.stringify(join(REPO_ROOT, "dist", "cli", "commands", `${verb}.js`))});
      const loaded = Object.keys(require.cache).filter((k) => /node_modules\\/(tar-stream|streamx)\\//.test(k));
      console.log(JSON.stringify(loaded));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual([]);
  });
});
