import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusybox } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { PODMAN_RUN, PODMAN_ULIMITS, type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { diffTrees, readTree, unpackWithUmoci } from "./helpers/trees.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** Real multi-stage Dockerfiles on a busybox-static base, using most instructions buildah 1.28 knows. */
const DOCKERFILES: Record<string, (base: string) => string> = {
  app: (base) => `FROM ${base} AS build
ARG VERSION=1.0
ENV APP_HOME=/opt/app
WORKDIR $APP_HOME
COPY src/ ./src/
COPY --chmod=0755 scripts/run.sh /usr/local/bin/run
RUN mkdir -p out && cat src/*.txt > out/all.txt && echo "$VERSION" > out/version
RUN ln -s /opt/app/out/all.txt out/link && rm src/b.txt && chmod 0640 out/version

FROM ${base}
LABEL org.example.title="demo" org.example.version="1.0"
ENV PATH=/usr/local/bin:/bin LANG=C.UTF-8
COPY --from=build /opt/app/out /srv/
COPY --from=build --chown=1000:1000 /usr/local/bin/run /usr/local/bin/run
RUN mkdir -p /data /var/log/app && chmod 1777 /var/log/app && echo keep > /data/.keep
USER 1000:1000
WORKDIR /srv
EXPOSE 8080 9090/udp
VOLUME ["/data"]
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --retries=2 CMD ["/bin/busybox", "true"]
ENTRYPOINT ["/usr/local/bin/run"]
CMD ["--serve"]
`,
  web: (base) => `FROM ${base} AS assets
RUN mkdir -p /assets/css && echo "body{}" > /assets/css/site.css && echo hi > /assets/index.html

FROM ${base} AS tools
ADD files.tar /opt/extracted/
ADD --chown=10:20 plain.txt /opt/plain.txt
COPY files.tar /opt/archive/

FROM ${base}
SHELL ["/bin/sh", "-e", "-c"]
ARG TARGET=/web
COPY --from=assets /assets $TARGET
COPY --from=tools /opt /opt
RUN --mount=type=cache,target=/cache echo cached > /cache/x && ls /cache > /cache-list
RUN --mount=type=bind,from=assets,source=/assets,target=/mnt cp -r /mnt/css /css-copy
RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /toklen
ENV TARGET_DIR=$TARGET
WORKDIR /web/sub
RUN rm -r /opt/extracted/dir/gone && echo changed > /web/index.html
USER 65534
CMD /bin/busybox httpd -f -p 8080
`,
  ops: (base) => `ARG BASE=${base}
ARG GREETING=hello
FROM \${BASE} AS users
RUN mkdir -p /etc /home/app && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd \\
 && echo 'app:x:1500:1600:app:/home/app:/bin/sh' >> /etc/passwd \\
 && printf 'root:x:0:\\napp:x:1600:\\n' > /etc/group

FROM users
ARG GREETING
ENV GREETING=\${GREETING} TARGET=/home/app
COPY --from=${base} /bin/busybox /opt/busybox-copy
COPY --chown=app:app src/ $TARGET/src/
ADD --chmod=0700 scripts/run.sh /usr/local/bin/
RUN mkdir -p $TARGET/out && echo "$GREETING" > $TARGET/out/greeting && chown -R app:app $TARGET/out
USER app
WORKDIR $TARGET
EXPOSE 7000-7002/tcp
HEALTHCHECK NONE
ENTRYPOINT /usr/local/bin/run.sh
`,
};

/** The config fields the issue names, as `skopeo inspect --config` reads them from an OCI layout. */
interface Config {
  config: Record<string, unknown>;
  rootfs: { diff_ids: string[] };
}
const FIELDS = [
  "Env",
  "Cmd",
  "Entrypoint",
  "WorkingDir",
  "User",
  "ExposedPorts",
  "Labels",
  "Volumes",
  "StopSignal",
  "Healthcheck",
];

/** The compared fields, an empty list or map written as absent (buildah writes `[]`, `{}`; Docker omits them). */
function pick(c: Config): Record<string, unknown> {
  const empty = (v: unknown) =>
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === "object" && v !== null && Object.keys(v).length === 0);
  return Object.fromEntries(FIELDS.map((f) => [f, empty(c.config[f]) ? undefined : c.config[f]]));
}

/**
 * buildah's config where it differs from BuildKit's by design, as BuildKit would have written it:
 * - `CMD` in shell form after `SHELL` runs through the SHELL in Docker (BuildKit's dispatchCmd
 *   prepends the image's Shell, `withShell`; the Dockerfile reference: SHELL "affects all
 *   subsequent instructions" of shell form); buildah 1.28 always writes `/bin/sh -c`.
 * - `EXPOSE 7000-7002/tcp`: BuildKit's dispatchExpose parses the ports with go-connections'
 *   `nat.ParsePortSpecs`, which expands a range into one key per port; buildah keeps the range.
 */
function asBuildKit(name: string, c: Record<string, unknown>): Record<string, unknown> {
  const out = { ...c };
  if (name === "web") {
    const cmd = c.Cmd as string[];
    expect(cmd.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    out.Cmd = ["/bin/sh", "-e", "-c", ...cmd.slice(2)];
  }
  if (c.ExposedPorts) {
    const ports: Record<string, object> = {};
    for (const key of Object.keys(c.ExposedPorts)) {
      const m = /^(\d+)-(\d+)\/(\w+)$/.exec(key);
      if (!m) ports[key] = {};
      else for (let p = Number(m[1]); p <= Number(m[2]); p++) ports[`${p}/${m[3]}`] = {};
    }
    out.ExposedPorts = ports;
  }
  return out;
}

/**
 * Layers BuildKit makes and buildah does not: a WORKDIR whose directory is missing is a step of
 * its own in BuildKit (dispatchWorkdir commits an `llb.Mkdir` of it, parents made, 0755), while
 * buildah records WORKDIR in the config only and the directory appears in the layer of the next
 * step that runs (web's `WORKDIR /web/sub`; app's WORKDIRs name directories that exist).
 */
const WORKDIR_LAYERS: Record<string, number> = { app: 0, web: 1, ops: 0 };

/**
 * Entries only buildah's image has, all empty: the files it bind-mounts into RUN (`/etc/hosts`,
 * `/etc/resolv.conf`, `/etc/hostname`), `/run` and a secret mount's `/run/secrets`, left behind in its layers (containers/buildah
 * issues #4242 "podman build injects empty /etc/resolv.conf into generated layers" and #3523).
 * BuildKit removes the stubs of `/etc/hosts` and `/etc/resolv.conf` and their parents after each
 * RUN (its executor's MountStubsCleaner) and mounts no `/run` nor `/etc/hostname`. Both keep the
 * runtime's `/dev`, `/proc`, `/sys` mount points, which are compared.
 */
const BUILDAH_STUBS =
  /^\/(etc|run|run\/secrets): absent \| dir 0755 0:0$|^\/etc\/(hosts|hostname|resolv\.conf): absent \| file \d{4} 0:0 e3b0c44298fc1c14$/;

describe("wharf build and real peers", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let box: Sandbox;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-build-interop-"));
    [reg, cli, box] = await Promise.all([startDistribution(), wharfCli(), sandbox()]);
    base = (await pushBusybox(reg, join(dir, "layout"), "busybox", ["sh"])).ref;
    const ctx = join(dir, "ctx");
    for (const d of ["src", "scripts", "files/dir/gone", "files/dir/keep"])
      mkdirSync(join(ctx, d), { recursive: true });
    writeFileSync(join(ctx, "src", "a.txt"), "alpha\n");
    writeFileSync(join(ctx, "src", "b.txt"), "beta\n");
    writeFileSync(join(ctx, "scripts", "run.sh"), '#!/bin/sh\necho run "$@"\n');
    chmodSync(join(ctx, "scripts", "run.sh"), 0o644);
    writeFileSync(join(ctx, "files", "dir", "gone", "g.txt"), "g\n");
    writeFileSync(join(ctx, "files", "dir", "keep", "k.txt"), "k\n");
    writeFileSync(join(ctx, "plain.txt"), "plain\n");
    writeFileSync(join(ctx, "secret.txt"), "s3cr3t");
    execFileSync("tar", [
      "-C",
      join(ctx, "files"),
      "--owner=0",
      "--group=0",
      "-cf",
      join(ctx, "files.tar"),
      "dir",
    ]);
    for (const [name, df] of Object.entries(DOCKERFILES))
      writeFileSync(join(ctx, `${name}.Dockerfile`), df(base));
  }, 180_000);

  afterAll(async () => {
    await closeAll(cli, [box, reg], dir);
  });

  const ctx = () => join(dir, "ctx");
  const secret = () => ["--secret", `id=tok,src=${join(ctx(), "secret.txt")}`];

  async function wharfBuild(name: string): Promise<void> {
    const r = await cli.run([
      "build",
      "-q",
      "-t",
      `interop/${name}`,
      "-f",
      join(ctx(), `${name}.Dockerfile`),
      ...secret(),
      ctx(),
    ]);
    expect(r.code, r.stderr).toBe(0);
  }

  async function buildahBuild(name: string): Promise<void> {
    await box.buildah(
      "bud",
      "--layers",
      "--runtime",
      "runc",
      // Docker's format: OCI configs have no Healthcheck (buildah drops it, with a warning).
      "--format",
      "docker",
      // Without buildah's io.buildah.version label.
      "--identity-label=false",
      "--tls-verify=false",
      ...PODMAN_ULIMITS,
      ...secret(),
      "-t",
      `interop/${name}`,
      "-f",
      join(ctx(), `${name}.Dockerfile`),
      ctx(),
    );
  }

  it.each(Object.keys(DOCKERFILES))(
    "%s: the same files, config and layer count as buildah bud --layers",
    async (name) => {
      await wharfBuild(name);
      await buildahBuild(name);
      const layout = join(dir, `layout-${name}`);
      await skopeo(
        "copy",
        `oci:${join(cli.root, "store")}:docker.io/interop/${name}:latest`,
        `oci:${layout}:wharf`,
      );
      await box.buildah("push", `interop/${name}`, `oci:${layout}:buildah`);
      // The configs as stored (skopeo's --config drops what the OCI struct lacks: Healthcheck).
      const manifest = JSON.parse(await skopeo("inspect", "--raw", `oci:${layout}:wharf`)) as {
        config: { digest: string };
      };
      const ours = JSON.parse(
        readFileSync(join(layout, "blobs", "sha256", manifest.config.digest.slice(7)), "utf8"),
      ) as Config;
      const theirs = (
        JSON.parse(await box.buildah("inspect", "--type", "image", `interop/${name}`)) as { Docker: Config }
      ).Docker;
      expect(pick(ours)).toEqual(asBuildKit(name, pick(theirs)));
      expect(ours.rootfs.diff_ids.length).toBe(theirs.rootfs.diff_ids.length + (WORKDIR_LAYERS[name] ?? 0));
      const a = readTree(await unpackWithUmoci(layout, "wharf", join(dir, `${name}-wharf`)));
      const b = readTree(await unpackWithUmoci(layout, "buildah", join(dir, `${name}-buildah`)));
      expect(diffTrees(a, b).filter((d) => !BUILDAH_STUBS.test(d))).toEqual([]);
      expect(readFileSync(join(dir, `${name}-wharf`, "rootfs", "bin", "busybox")).length).toBeGreaterThan(0);
    },
    300_000,
  );

  it("an image wharf built runs under podman run and passes skopeo inspect, from wharf's store and a registry", async () => {
    const ref = `${reg.host}/interop/app:1`;
    await cli.ok("tag", "interop/app", ref);
    await cli.ok("push", ref);
    const info = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${ref}`)) as {
      Layers: string[];
    };
    expect(info.Layers.length).toBeGreaterThan(1);
    JSON.parse(await skopeo("inspect", `oci:${join(cli.root, "store")}:docker.io/interop/app:latest`));
    const out = await box.podman(...PODMAN_RUN, "--rm", "--network=none", ref);
    expect(out).toBe("run --serve\n");
    await validateRoot(cli.root);
  }, 180_000);
});
