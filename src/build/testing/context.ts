import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A stage `base` with a static busybox installed into /bin: most build tests start from it. */
export const BUSYBOX_BASE = `FROM scratch AS base
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
`;

/**
 * A build context in a fresh directory from `temp` (a `tempDirs` maker): the host's static
 * /bin/busybox as `busybox`, and the given files (parents made as needed).
 */
export function busyboxContext(temp: () => string, files: Record<string, string | Buffer> = {}): string {
  const dir = temp();
  copyFileSync("/bin/busybox", join(dir, "busybox"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * A Dockerfile whose stages `a` and `b` (on BUSYBOX_BASE) each run `step(name)`, which leaves its
 * result at `/name`, and whose final stage copies both: the steps can run at the same time.
 */
export function twoStages(step: (name: "a" | "b") => string): string {
  return `${BUSYBOX_BASE}
FROM base AS a
${step("a")}
FROM base AS b
${step("b")}
FROM base
COPY --from=a /a /a
COPY --from=b /b /b
`;
}

/** Every entry below `dir` with its type, mode, owner, size and link target, sorted: two trees compare equal when this does. */
export function listTree(dir: string): string {
  return execFileSync("find", [".", "-printf", "%p %y %m %U %G %s %l\\n"], { cwd: dir })
    .toString()
    .split("\n")
    .sort()
    .join("\n");
}
