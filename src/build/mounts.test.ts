import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { build } from "./build.js";
import { BUSYBOX_BASE, busyboxContext, twoStages } from "./testing/context.js";
import type { BuildOptions } from "./types.js";

const temp = tempDirs("wharf-build-mounts-");

const context = (files: Record<string, string>): string => busyboxContext(temp, files);

const BASE = BUSYBOX_BASE;

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await validateRoot(r);
});

/** Builds and exports the final stage's files; returns the export directory. */
async function files(ctx: string, o: Partial<BuildOptions> = {}, root = temp()): Promise<string> {
  const out = temp();
  await build({
    root,
    context: ctx,
    progress: "quiet",
    env: {},
    outputs: [{ type: "local", dest: out }],
    ...o,
  });
  return out;
}

describe("RUN --mount=type=cache", () => {
  it("sharing=private: a step that finds the cache in use gets a directory of its own", async () => {
    const step = (me: string) =>
      `RUN --mount=type=cache,id=priv,target=/c,sharing=private echo ${me} > /c/mark && sleep 0.6 && cat /c/mark > /${me}`;
    const ctx = context({
      Dockerfile: twoStages(step),
    });
    const root = temp();
    const out = await files(ctx, {}, root);
    // With sharing=shared both steps write one file while both sleep: one would read the other's mark.
    expect(readFileSync(join(out, "a"), "utf8")).toBe("a\n");
    expect(readFileSync(join(out, "b"), "utf8")).toBe("b\n");
    // The step that got a directory of its own left nothing behind: one cache dir for the id.
    const dirs = readdirSync(join(root, "build", "mounts")).filter((n) => !n.includes("."));
    expect(dirs).toHaveLength(1);
  });

  it("from= seeds a new cache from a stage's files (at source=), which stay as they were", async () => {
    const ctx = context({
      Dockerfile: `${BASE}
FROM base AS seed
RUN mkdir -p /seed/sub && echo seeded > /seed/sub/s.txt

FROM base
RUN --mount=type=cache,target=/c,from=seed,source=/seed cat /c/sub/s.txt > /got && echo more >> /c/sub/s.txt
RUN --mount=type=cache,target=/c,from=seed,source=/seed cat /c/sub/s.txt > /got2
COPY --from=seed /seed/sub/s.txt /orig
RUN --mount=type=cache,target=/c,id=other,from=seed,source=/seed/sub cat /c/s.txt > /got3
`,
    });
    const root = temp();
    roots.push(root);
    const out = await files(ctx, { tags: ["seeded"] }, root);
    expect(readFileSync(join(out, "got"), "utf8")).toBe("seeded\n");
    expect(readFileSync(join(out, "got2"), "utf8")).toBe("seeded\nmore\n");
    expect(readFileSync(join(out, "orig"), "utf8")).toBe("seeded\n");
    expect(readFileSync(join(out, "got3"), "utf8")).toBe("seeded\n");
    expect(existsSync(join(out, "c"))).toBe(false);
    await build({ root, context: ctx, progress: "quiet", env: {}, tags: ["seeded"] });
  });
});

describe("RUN --mount=type=ssh", () => {
  const agent = async (): Promise<{ socket: string; server: Server }> => {
    const socket = join(temp(), "agent.sock");
    const server = createServer((c) => c.pipe(c));
    await new Promise<void>((r) => server.listen(socket, () => r()));
    return { socket, server };
  };

  it("without --ssh: skipped unless required=true, which fails with the id and a hint", async () => {
    const optional = context({
      Dockerfile: `${BASE}RUN --mount=type=ssh echo "[$SSH_AUTH_SOCK]" > /sock && ls -a /run > /run-ls || true\n`,
    });
    const out = await files(optional);
    expect(readFileSync(join(out, "sock"), "utf8")).toBe("[]\n");
    const required = context({ Dockerfile: `${BASE}RUN --mount=type=ssh,id=gitkey,required=true true\n` });
    const e = await files(required).catch((x: unknown) => x);
    expect(isWharfError(e, "invalid-argument")).toBe(true);
    expect((e as Error).message).toBe('no SSH key "gitkey" forwarded from the client');
    expect((e as { hint?: string }).hint).toMatch(/--ssh gitkey/);
  });

  it("with --ssh: a socket of the step's own forwards to the agent, SSH_AUTH_SOCK names it, no stub stays", async () => {
    const a = await agent();
    try {
      const ctx = context({
        Dockerfile: `${BASE}RUN --mount=type=ssh [ -S "$SSH_AUTH_SOCK" ] && echo "$SSH_AUTH_SOCK $(stat -c '%a %u' $SSH_AUTH_SOCK)" > /sock
RUN --mount=type=ssh,id=deploy,target=/agent,mode=0660,uid=1000 stat -c '%a %u' /agent > /agent-stat
`,
      });
      const out = await files(ctx, {
        ssh: [
          { id: "default", socket: a.socket },
          { id: "deploy", socket: a.socket },
        ],
      });
      expect(readFileSync(join(out, "sock"), "utf8")).toBe("/run/buildkit/ssh_agent.0 600 0\n");
      expect(readFileSync(join(out, "agent-stat"), "utf8")).toBe("660 1000\n");
      expect(existsSync(join(out, "run", "buildkit"))).toBe(false);
      expect(existsSync(join(out, "agent"))).toBe(false);
    } finally {
      a.server.close();
    }
  });
});
