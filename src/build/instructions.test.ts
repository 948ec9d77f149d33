import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { nodeCrypto } from "../digest/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { startForwardProxy } from "../remote/testing/forward-proxy.js";
import { build } from "./build.js";
import { BUSYBOX_BASE, busyboxContext } from "./testing/context.js";
import type { BuildOptions } from "./types.js";

const temp = tempDirs("wharf-build-inst-");

const context = (files: Record<string, string | Buffer>): string => busyboxContext(temp, files);

const BASE = `${BUSYBOX_BASE}RUN mkdir -p /etc /tmp && chmod 1777 /tmp && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'app:x:1001:1002:app:/home/app:/bin/sh' >> /etc/passwd && echo 'root:x:0:' > /etc/group && echo 'staff:x:1002:' >> /etc/group && echo 'web:x:1003:' >> /etc/group
`;

describe("build: every instruction", () => {
  let root: string;
  const run = (ctx: string, o: Partial<BuildOptions> = {}) =>
    build({ root, context: ctx, progress: "quiet", env: {}, ...o });
  const files = async (ctx: string, o: Partial<BuildOptions> = {}) => {
    const out = temp();
    await run(ctx, { ...o, outputs: [{ type: "local", dest: out }] });
    return out;
  };
  beforeAll(() => {
    root = temp();
  });
  // Every test ends by validating what the builds stored (blobs re-hashed, sizes, diff IDs).
  afterEach(async () => {
    expect((await validateRoot(root)).images).toBeGreaterThan(0);
  });

  it("writes the config of metadata instructions as BuildKit does", async () => {
    const ctx = context({
      Dockerfile: `${BASE}
FROM base
MAINTAINER someone@example.com
ENV A=1 B="two words"
ENV C=$A-\${B}
LABEL a=1 "b c"="d e"
EXPOSE 80 443/tcp 53/udp
VOLUME ["/data", "/logs"]
USER app:staff
STOPSIGNAL SIGQUIT
SHELL ["/bin/sh", "-ec"]
HEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost || exit 1
CMD echo shell form
ENTRYPOINT ["/entry"]
ONBUILD RUN echo triggered > /tmp/onbuild
`,
    });
    const r = await run(ctx, { tags: ["meta:1"] });
    const c = r.config.config ?? {};
    expect(r.config.author).toBe("someone@example.com");
    expect(c.Env).toContain("C=1-two words");
    expect(c.Labels).toEqual({ a: "1", "b c": "d e" });
    expect(c.ExposedPorts).toEqual({ "80/tcp": {}, "443/tcp": {}, "53/udp": {} });
    expect(c.Volumes).toEqual({ "/data": {}, "/logs": {} });
    expect(c.User).toBe("app:staff");
    expect(c.StopSignal).toBe("SIGQUIT");
    expect(c.Shell).toEqual(["/bin/sh", "-ec"]);
    expect(c.Healthcheck).toEqual({
      Test: ["CMD-SHELL", "wget -q localhost || exit 1"],
      Interval: 5e9,
      Retries: 2,
    });
    // CMD set in this stage survives the ENTRYPOINT after it; shell form goes through SHELL.
    expect(c.Cmd).toEqual(["/bin/sh", "-ec", "echo shell form"]);
    expect(c.Entrypoint).toEqual(["/entry"]);
    expect(c.OnBuild).toEqual(["RUN echo triggered > /tmp/onbuild"]);
    const hist = (r.config.history ?? []).slice(-12).map((h) => [h.created_by, h.empty_layer === true]);
    expect(hist).toEqual([
      ["MAINTAINER someone@example.com", true],
      ["ENV A=1 B=two words", true],
      ["ENV C=1-two words", true],
      ["LABEL a=1 b c=d e", true],
      ["EXPOSE map[443/tcp:{} 53/udp:{} 80/tcp:{}]", true],
      ["VOLUME [/data /logs]", true],
      ["USER app:staff", true],
      ["STOPSIGNAL SIGQUIT", true],
      ["SHELL [/bin/sh -ec]", true],
      [`HEALTHCHECK &{["CMD-SHELL" "wget -q localhost || exit 1"] "5s" "0s" "0s" "0s" '\\x02'}`, true],
      ['CMD ["/bin/sh" "-ec" "echo shell form"]', true],
      ['ENTRYPOINT ["/entry"]', true],
    ]);
    // An image built FROM it runs the trigger first; the trigger is not inherited further.
    const child = context({ Dockerfile: "FROM meta:1\nUSER root\nENTRYPOINT []\nRUN cat /tmp/onbuild\n" });
    const out = await files(child);
    expect(readFileSync(join(out, "tmp", "onbuild"), "utf8")).toBe("triggered\n");
    const r2 = await run(child);
    expect(r2.config.config?.OnBuild ?? null).toBeNull();
    // ENTRYPOINT in a stage that set no CMD drops the base's CMD.
    expect(r2.config.config?.Cmd ?? null).toBeNull();
  });

  it("runs RUN as the stage's USER (names resolved in the image), in WORKDIR, with SHELL and exec form", async () => {
    const ctx = context({
      Dockerfile: `${BASE}
WORKDIR /srv
WORKDIR sub
RUN pwd > /tmp/pwd
USER app
RUN id -u > /tmp/uid; id -g > /tmp/gid
USER 1003:web
RUN ["/bin/sh", "-c", "id -u > /tmp/uid2; id -g > /tmp/gid2"]
USER root
SHELL ["/bin/sh", "-xc"]
RUN echo shell >/tmp/shell
ARG NAME=x
RUN --network=none cat /proc/net/dev | grep -c : > /tmp/ifaces
`,
    });
    const out = await files(ctx);
    const f = (n: string) => readFileSync(join(out, "tmp", n), "utf8").trim();
    expect(f("pwd")).toBe("/srv/sub");
    expect([f("uid"), f("gid")]).toEqual(["1001", "1002"]);
    expect([f("uid2"), f("gid2")]).toEqual(["1003", "1003"]);
    expect(f("shell")).toBe("shell");
    // lo only: the header lines have no colon... one interface line.
    expect(f("ifaces")).toBe("1");
    expect(statSync(join(out, "srv", "sub")).isDirectory()).toBe(true);
  });

  it("RUN --security=insecure runs privileged with --allow security.insecure, and is refused without it", async () => {
    const ctx = context({
      Dockerfile: `${BASE}
FROM base
RUN --security=insecure grep CapEff /proc/self/status > /tmp/cap-insecure
RUN --security=sandbox grep CapEff /proc/self/status > /tmp/cap-sandbox
RUN grep CapEff /proc/self/status > /tmp/cap-default
`,
    });
    await expect(run(ctx)).rejects.toThrow("security.insecure is not allowed");
    const out = await files(ctx, { allowInsecure: true });
    const cap = (n: string) =>
      BigInt(
        `0x${
          readFileSync(join(out, "tmp", n), "utf8")
            .trim()
            .split(/\s+/)[1]
        }`,
      );
    // every capability this process holds (CAP_SYS_ADMIN, bit 21, among them) against Docker's 14
    expect(cap("cap-insecure") & (1n << 21n)).toBe(1n << 21n);
    expect(cap("cap-sandbox")).toBe(cap("cap-default"));
    expect(cap("cap-default") & (1n << 21n)).toBe(0n);
    // the insecure step is cached apart from a sandboxed one, and stored as any step
    expect((await run(ctx, { allowInsecure: true, tags: ["insecure:1"] })).id).toMatch(/^sha256:/);
  });

  it("COPY: --chown names, --chmod, --link, --exclude, --parents, heredocs, from a stage and from an image", async () => {
    const ctx = context({
      Dockerfile: `${BASE}
FROM base AS files
RUN mkdir -p /made && echo made > /made/m.txt && echo theirs > /made/t.txt && chown 7:8 /made/t.txt

FROM base
COPY --chown=app:web a.txt /owned/
COPY --chmod=0600 a.txt /modes/a600
COPY --chmod=u+x,g=u-w dir/one.txt /modes/sym
COPY --chmod=go-rwx,u+X dir /modes/symdir/
COPY --link --chown=1234:5678 a.txt /linked/a.txt
COPY --exclude=*.log dir/ /excl/
COPY --parents dir/one.txt a.txt /par/
COPY --from=files /made /from-stage/
COPY --from=files --chown=app /made/m.txt /from-stage/owned.txt
COPY <<EOT <<EOT2 /docs/
first
EOT
second
EOT2
`,
      "a.txt": "a",
      "dir/one.txt": "1",
      "dir/two.log": "2",
      "dir/sub/three.txt": "3",
    });
    const r = await run(ctx, { tags: ["copies:1"] });
    const out = await files(ctx);
    const st = (p: string) => statSync(join(out, p));
    expect([st("owned/a.txt").uid, st("owned/a.txt").gid]).toEqual([1001, 1003]);
    expect(st("modes/a600").mode & 0o777).toBe(0o600);
    // Symbolic modes (Dockerfile 1.14): applied to each entry's own mode; X only for directories here.
    expect(st("modes/sym").mode & 0o7777).toBe(0o754);
    expect(st("modes/symdir/sub").mode & 0o7777).toBe(0o700);
    expect(st("modes/symdir/sub/three.txt").mode & 0o7777).toBe(0o600);
    const hist = r.config.history?.map((h) => h.created_by) ?? [];
    expect(hist).toContain("COPY --chmod=u+x,g=u-w dir/one.txt /modes/sym # buildkit");
    expect(hist).toContain("COPY --chown=app:web a.txt /owned/ # buildkit");
    expect(hist).toContain("COPY --parents dir/one.txt a.txt /par/ # buildkit");
    expect([st("linked/a.txt").uid, st("linked/a.txt").gid]).toEqual([1234, 5678]);
    expect(
      execFileSync("find", ["."], { cwd: join(out, "excl") })
        .toString()
        .split("\n")
        .sort()
        .filter(Boolean),
    ).toEqual([".", "./one.txt", "./sub", "./sub/three.txt"]);
    expect(readFileSync(join(out, "par", "dir", "one.txt"), "utf8")).toBe("1");
    expect(readFileSync(join(out, "par", "a.txt"), "utf8")).toBe("a");
    expect(readFileSync(join(out, "from-stage", "m.txt"), "utf8")).toBe("made\n");
    // COPY --from keeps the owners the files have in the stage (BuildKit's; moby/moby#38599).
    expect([st("from-stage/t.txt").uid, st("from-stage/t.txt").gid]).toEqual([7, 8]);
    expect([st("from-stage/owned.txt").uid, st("from-stage/owned.txt").gid]).toEqual([1001, 1002]);
    expect(readFileSync(join(out, "docs", "EOT"), "utf8")).toBe("first\n");
    expect(readFileSync(join(out, "docs", "EOT2"), "utf8")).toBe("second\n");
    // An image as COPY --from source.
    const fromImage = context({ Dockerfile: "FROM scratch\nCOPY --from=copies:1 /par/a.txt /x\n" });
    expect(readFileSync(join(await files(fromImage), "x"), "utf8")).toBe("a");
    expect(r.config.history?.at(-1)?.created_by).toBe("COPY <<EOT <<EOT2 /docs/ # buildkit");
    await validateRoot(root);
  });

  it("ADD: extracts local tar, gzip, bzip2 and xz archives; downloads a URL with --checksum", async () => {
    const src = temp();
    writeFileSync(join(src, "in.txt"), "inside");
    const tar = execFileSync("tar", ["-C", src, "-c", "in.txt"]);
    const gz = execFileSync("gzip", ["-c"], { input: tar });
    const bz = execFileSync("bzip2", ["-c"], { input: tar });
    const xz = execFileSync("xz", ["-c"], { input: tar });
    const body = Buffer.from("downloaded body\n");
    const sum = `sha256:${nodeCrypto().createHash("sha256").update(body).digest("hex")}`;
    const server = createServer((req, res) => {
      res.writeHead(200, { "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT", "content-length": body.length });
      res.end(req.method === "HEAD" ? undefined : body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/payload.txt`;
    try {
      const ctx = context({
        Dockerfile: `FROM scratch
ADD plain.tar /t/plain/
ADD a.tar.gz /t/gz
ADD a.tar.bz2 /t/bz/
ADD a.tar.xz /t/xz/
ADD notarchive.txt /t/
ADD --checksum=${sum} ${url} /dl/
ADD ${url} /dl2/named.txt
`,
        "plain.tar": tar,
        "a.tar.gz": gz,
        "a.tar.bz2": bz,
        "a.tar.xz": xz,
        "notarchive.txt": "just text",
      });
      const out = await files(ctx);
      for (const d of ["plain", "gz", "bz", "xz"])
        expect(readFileSync(join(out, "t", d, "in.txt"), "utf8")).toBe("inside");
      expect(readFileSync(join(out, "t", "notarchive.txt"), "utf8")).toBe("just text");
      expect(readFileSync(join(out, "dl", "payload.txt"), "utf8")).toBe("downloaded body\n");
      expect(statSync(join(out, "dl", "payload.txt")).mode & 0o777).toBe(0o600);
      expect(statSync(join(out, "dl", "payload.txt")).mtime.toISOString()).toBe("2015-10-21T07:28:00.000Z");
      expect(readFileSync(join(out, "dl2", "named.txt"), "utf8")).toBe("downloaded body\n");
      const bad = context({
        Dockerfile: `FROM scratch\nADD --checksum=sha256:${"0".repeat(64)} ${url} /x\n`,
      });
      await expect(run(bad)).rejects.toThrow(/digest mismatch/);
      // ADD of a git repository is test/e2e/build-remote.test.ts's; COPY of one is refused.
      const git = context({ Dockerfile: "FROM scratch\nCOPY https://example.com/repo.git /src\n" });
      await expect(run(git)).rejects.toThrow("source can't be a git ref for COPY");
      const two = context({ Dockerfile: "FROM scratch\nADD git@example.com:o/r a.txt /src/\n" });
      await expect(run(two)).rejects.toThrow("takes no other source");
      // Behind a proxy (the build's environment): a name only the proxy resolves.
      const proxy = await startForwardProxy({ "files.test": "127.0.0.1" });
      try {
        const viaProxy = url.replace("127.0.0.1", "files.test");
        const proxied = context({ Dockerfile: `FROM scratch\nADD ${viaProxy} /p/\n` });
        const got = await files(proxied, { env: { HTTP_PROXY: proxy.url } });
        expect(readFileSync(join(got, "p", "payload.txt"), "utf8")).toBe("downloaded body\n");
        expect(proxy.seen).toEqual([`GET ${viaProxy}`]);
      } finally {
        await proxy.close();
      }
    } finally {
      server.close();
    }
  });

  it("mounts: tmpfs, a bind of another stage, a read-write bind whose writes are thrown away", async () => {
    const ctx = context({
      Dockerfile: `${BASE}
FROM base AS other
RUN mkdir /stuff && echo from-other > /stuff/f

FROM base
RUN --mount=type=tmpfs,target=/scratch echo x > /scratch/y && grep -c tmpfs /proc/mounts > /tmp/tmpfs
RUN --mount=type=bind,from=other,source=/stuff,target=/mnt cat /mnt/f > /tmp/bound
RUN --mount=type=bind,source=.,target=/ctx,rw echo changed > /ctx/a.txt && cat /ctx/a.txt > /tmp/rw
`,
      "a.txt": "original",
    });
    const out = await files(ctx);
    expect(Number(readFileSync(join(out, "tmp", "tmpfs"), "utf8"))).toBeGreaterThan(0);
    expect(readFileSync(join(out, "tmp", "bound"), "utf8")).toBe("from-other\n");
    expect(readFileSync(join(out, "tmp", "rw"), "utf8")).toBe("changed\n");
    expect(readFileSync(join(ctx, "a.txt"), "utf8")).toBe("original");
    for (const p of ["scratch", "mnt", "ctx"]) expect(() => statSync(join(out, p))).toThrow();
  });

  it("global ARGs in FROM, --target, and a warning for unused build args", async () => {
    const ctx = context({
      Dockerfile: `ARG STAGE=base
${BASE}
FROM \${STAGE} AS picked
ARG STAGE
RUN echo $STAGE > /stage

FROM scratch AS never
COPY missing-file /
`,
    });
    const r = await run(ctx, { target: "picked", buildArgs: { UNUSED: "1" } });
    expect(r.warnings).toEqual(["[Warning] One or more build-args [UNUSED] were not consumed"]);
    const out = await files(ctx, { target: "picked" });
    expect(readFileSync(join(out, "stage"), "utf8")).toBe("base\n");
  });
});
