import { afterEach, describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { build } from "./build.js";
import { openBuildCache } from "./cache.js";
import { checkOnly } from "./checks.js";
import { buildPlatforms, splitPlatforms } from "./platforms.js";
import { BUSYBOX_BASE, busyboxContext } from "./testing/context.js";
import type { BuildOptions } from "./types.js";

const temp = tempDirs("wharf-checks-");
const used = new Set<string>();
afterEach(async () => {
  for (const r of used) expect((await validateRoot(r)).blobs).toBeGreaterThan(0);
  used.clear();
});

async function plainBuild(root: string, ctx: string, o: Partial<BuildOptions> = {}) {
  const chunks: string[] = [];
  const progressOut = {
    write: (s: string | Uint8Array) => {
      chunks.push(String(s));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const out = () => chunks.join("");
  try {
    const r = await build({ root, context: ctx, progress: "plain", progressOut, env: {}, ...o });
    used.add(root);
    return { ...r, out: out() };
  } catch (e) {
    throw Object.assign(e as Error, { out: out() });
  }
}

const JSON_ARGS =
  "JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals";

describe("build checks in a build", () => {
  it("prints BuildKit's warning summary after the build, and returns it", async () => {
    const root = temp();
    const ctx = busyboxContext(temp, { Dockerfile: `${BUSYBOX_BASE}MAINTAINER me\nCMD echo hi\n` });
    const r = await plainBuild(root, ctx);
    const summary = [
      " 2 warnings found (use docker --debug to expand):",
      " - MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 4)",
      ` - ${JSON_ARGS} (line 5)`,
    ];
    expect(r.warnings).toEqual(summary);
    // After every step's output, at the end.
    expect(r.out.trimEnd().endsWith(summary.join("\n"))).toBe(true);
  });

  it("a clean Dockerfile prints no summary; check=skip quiets the rules it names", async () => {
    const root = temp();
    const clean = busyboxContext(temp, { Dockerfile: `${BUSYBOX_BASE}CMD ["echo", "hi"]\n` });
    const r = await plainBuild(root, clean);
    expect(r.warnings).toEqual([]);
    expect(r.out).not.toContain("warning");
    const skipped = busyboxContext(temp, {
      Dockerfile: `# check=skip=JSONArgsRecommended\n${BUSYBOX_BASE}CMD echo hi\n`,
    });
    expect((await plainBuild(root, skipped)).warnings).toEqual([]);
    // BUILDKIT_DOCKERFILE_CHECK overrides the directive.
    const arg = await plainBuild(root, skipped, { buildArgs: { BUILDKIT_DOCKERFILE_CHECK: "skip=none" } });
    expect(arg.warnings).toEqual([
      " 1 warning found (use docker --debug to expand):",
      ` - ${JSON_ARGS} (line 5)`,
    ]);
  });

  it("error=true fails the build before any step runs, with BuildKit's error", async () => {
    const root = temp();
    const ctx = busyboxContext(temp, {
      Dockerfile: `# check=error=true\n${BUSYBOX_BASE}RUN touch /ran\nCMD echo hi\n`,
    });
    const e = (await plainBuild(root, ctx).then(
      () => undefined,
      (x: unknown) => x,
    )) as (Error & { out: string; code: string }) | undefined;
    expect(e?.message).toBe("failed to solve: lint violation found for rules: JSONArgsRecommended");
    expect(e?.code).toBe("build-failed");
    expect(e?.out).toContain(` - ${JSON_ARGS} (line 6)`);
    // No step ran: none started, none cached.
    expect(e?.out).not.toMatch(/RUN|COPY busybox/);
    expect(openBuildCache(root).list()).toEqual([]);
    // The build arg turns it off; the same Dockerfile then builds (and runs the RUN).
    const ok = await plainBuild(root, ctx, { buildArgs: { BUILDKIT_DOCKERFILE_CHECK: "error=false" } });
    expect(ok.out).toContain("RUN touch /ran");
    expect(ok.warnings).toContain(` - ${JSON_ARGS} (line 6)`);
  });

  it("UndefinedVar after a build knows the base image's environment", async () => {
    const root = temp();
    const base = busyboxContext(temp, {
      Dockerfile: 'FROM scratch\nENV FOO=1\nCOPY busybox /b\nCMD ["/b"]\n',
    });
    await plainBuild(root, base, { tags: ["envbase:1"] });
    const ctx = busyboxContext(temp, {
      Dockerfile: 'FROM envbase:1\nCOPY busybox /x$FOO$PATH$BAR\nCMD ["/b"]\n',
    });
    const r = await plainBuild(root, ctx);
    expect(r.warnings).toEqual([
      " 1 warning found (use docker --debug to expand):",
      " - UndefinedVar: Usage of undefined variable '$BAR' (line 2)",
    ]);
  });

  it("a build of two platforms prints the summary once", async () => {
    const root = temp();
    const ctx = busyboxContext(temp, { Dockerfile: "FROM scratch\nCOPY busybox /b\nCMD echo hi\n" });
    const chunks: string[] = [];
    const progressOut = {
      write: (s: string | Uint8Array) => {
        chunks.push(String(s));
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const o: BuildOptions = { root, context: ctx, progress: "plain", progressOut, env: {}, tags: ["two:1"] };
    const r = await buildPlatforms(o, splitPlatforms(["linux/amd64,linux/arm64"]));
    used.add(root);
    const out = chunks.join("");
    expect(out.split(" 1 warning found (use docker --debug to expand):").length - 1).toBe(1);
    expect(r.warnings).toEqual([
      " 1 warning found (use docker --debug to expand):",
      ` - ${JSON_ARGS} (line 3)`,
    ]);
  });

  it("checkOnly reads and checks without building", async () => {
    const root = temp();
    const ctx = busyboxContext(temp, { Dockerfile: `# check=error=true\n${BUSYBOX_BASE}CMD echo hi\n` });
    const r = await checkOnly({ root, context: ctx });
    expect(r.findings.map((f) => [f.rule, f.line])).toEqual([["JSONArgsRecommended", 5]]);
    expect(r.config.error).toBe(true);
    expect(r.file).toBe("Dockerfile");
    expect(openBuildCache(root).list()).toEqual([]);
    // A repeated stage name is a finding here (a build refuses it while parsing).
    const dup = busyboxContext(temp, { Dockerfile: `${BUSYBOX_BASE}FROM base AS x\nFROM base AS x\n` });
    const d = await checkOnly({ root, context: dup });
    expect(d.findings.map((f) => [f.rule, f.line])).toEqual([["DuplicateStageName", 5]]);
    await expect(build({ root, context: dup, env: {}, progress: "quiet" })).rejects.toThrow(
      /duplicate stage name "x"/,
    );
  });
});
