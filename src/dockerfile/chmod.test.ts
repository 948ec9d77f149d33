import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { symbolicChmod } from "./chmod.js";

const SPECS = [
  "u+x",
  "+x",
  "+w",
  "a+w",
  "go-w",
  "u=rwx,go=rx",
  "u=rwx,go=u-w",
  "go=",
  "=r",
  "+X",
  "a-x",
  "g+s",
  "o+s",
  "+t",
  "u+s,g-r",
  "g=u",
  "o=g,u-w",
  "a=r,u+w",
  "ug+rw,o-rwx",
  "=",
];

/** GNU chmod (the one here) and BSD setmode differ on sticky and set-gid bits under `=`: kept out. */
const MODES = [0o644, 0o755, 0o600, 0o777, 0o4751, 0o000, 0o711];

describe("symbolic --chmod", () => {
  it("gives what chmod(1) gives for files under umask 022 (BuildKit's daemon's)", () => {
    const dir = mkdtempSync(join(tmpdir(), "wharf-chmod-"));
    try {
      const f = join(dir, "f");
      writeFileSync(f, "");
      for (const spec of SPECS) {
        const apply = symbolicChmod(spec);
        for (const mode of MODES) {
          chmodSync(f, mode);
          execFileSync("sh", ["-c", `umask 022 && chmod -- "$0" "$1"`, spec, f]);
          const want = statSync(f).mode & 0o7777;
          expect(`${spec} on ${mode.toString(8)}: ${apply(mode, false).toString(8)}`).toBe(
            `${spec} on ${mode.toString(8)}: ${want.toString(8)}`,
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("follows BSD setmode where GNU chmod differs (BuildKit uses a Go port of setmode)", () => {
    // `o` names no sticky bit, and `t` for `o` alone is ignored (GNU: sticky is an `o` bit).
    expect(symbolicChmod("go=")(0o1777, false)).toBe(0o1700);
    expect(symbolicChmod("o+t")(0o644, false)).toBe(0o644);
    expect(symbolicChmod("+t")(0o644, false)).toBe(0o1644);
    // `=` with no class clears the rwx and set-id bits, not the sticky one.
    expect(symbolicChmod("=")(0o1777, false)).toBe(0o1000);
    // Copying into `g` leaves set-gid alone (GNU clears it).
    expect(symbolicChmod("g=u")(0o2640, false)).toBe(0o2660);
    // `X` looks at the mode before the change: `=rw,+X` keeps execute where there was some.
    expect(symbolicChmod("=rw,+X")(0o755, false)).toBe(0o755);
    expect(symbolicChmod("=rw,+X")(0o640, false)).toBe(0o644);
  });

  it("X sets execute on directories and on files that had some", () => {
    const x = symbolicChmod("a+X");
    expect(x(0o644, false)).toBe(0o644);
    expect(x(0o644, true)).toBe(0o755);
    expect(x(0o744, false)).toBe(0o755);
    expect(symbolicChmod("go-rwx,u+X")(0o700, true)).toBe(0o700);
  });

  it("refuses what is not a mode", () => {
    expect(() => symbolicChmod("u")).toThrow(/no operator/);
    expect(() => symbolicChmod("u*x")).toThrow(/is not \+, - or =/);
  });
});
