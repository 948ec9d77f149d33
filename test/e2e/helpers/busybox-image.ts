import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { addImage, type LayerEntry, type LayoutImage } from "./layout.js";
import type { RunningRegistry } from "./registries.js";
import { skopeo } from "./tools.js";
import type { WharfCli } from "./wharf-cli.js";

/**
 * A busybox image (sh, echo, true) built in `layoutDir` and pushed to `reg` as `<host>/e2e/<repo>`;
 * returns the reference and the layout's descriptors. Images with different `cmd`s differ in ID.
 */
export function pushBusybox(
  reg: RunningRegistry,
  layoutDir: string,
  repo: string,
  cmd = ["echo", "hi"],
): Promise<{ ref: string; image: LayoutImage }> {
  return pushBusyboxWith(reg, layoutDir, { repo, applets: ["sh", "echo", "true"], cmd });
}

/**
 * A one-layer image of the host's static busybox with `applets` linked beside it in /bin (and
 * `extra` entries), built in `layoutDir` and pushed to `reg` as `<host>/e2e/<repo>[:<tag>]`.
 */
export async function pushBusyboxWith(
  reg: RunningRegistry,
  layoutDir: string,
  o: { repo: string; tag?: string; applets: readonly string[]; cmd: string[]; extra?: LayerEntry[] },
): Promise<{ ref: string; image: LayoutImage }> {
  const layoutTag = o.tag ?? o.repo;
  const image = await addImage(layoutDir, {
    tag: layoutTag,
    gzip: 1,
    layers: [
      [
        { name: "bin/busybox", hostPath: "/bin/busybox", mode: 0o755 },
        ...o.applets.map((a) => ({ name: `bin/${a}`, linkTo: "busybox" })),
        ...(o.extra ?? []),
      ],
    ],
    cmd: o.cmd,
  });
  const ref = `${reg.host}/e2e/${o.repo}${o.tag ? `:${o.tag}` : ""}`;
  await skopeo("copy", "--dest-tls-verify=false", `oci:${layoutDir}:${layoutTag}`, `docker://${ref}`);
  return { ref, image };
}

/** Deletes every runc container under the CLI's root (left by a failed test), then prunes the records. */
export async function removeContainers(cli: WharfCli): Promise<void> {
  const runcRoot = join(cli.root, "runc");
  const ids = existsSync(runcRoot) ? readdirSync(runcRoot, { withFileTypes: true }) : [];
  for (const id of ids.filter((d) => d.isDirectory())) {
    try {
      execFileSync("runc", ["--root", runcRoot, "delete", "-f", id.name], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
  await cli.run(["container", "prune", "-f"]);
}

/**
 * A test file's end: the CLI's containers removed, then `cli` and each of `others` closed (those
 * that were made), then `dir` removed.
 */
export async function closeAll(
  cli: WharfCli | undefined,
  others: ({ close(): Promise<void> } | undefined)[],
  dir: string | undefined,
): Promise<void> {
  if (cli) await removeContainers(cli);
  for (const o of others) await o?.close();
  await cli?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}
