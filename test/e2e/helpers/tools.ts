import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Runs a tool and returns its stdout; a failure carries the tool's stderr. */
export async function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/** skopeo with the insecure (accept-anything) policy; plain HTTP is enabled per command. */
export function skopeo(...args: string[]): Promise<string> {
  return run("skopeo", ["--insecure-policy", ...args]);
}

/** The ulimits podman's containers get here (its defaults exceed what this machine allows). */
export const PODMAN_ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"];

/** `podman run` as it works here: plain-HTTP loopback registries, runc, PODMAN_ULIMITS. */
export const PODMAN_RUN = ["run", "--tls-verify=false", "--runtime", "runc", ...PODMAN_ULIMITS];

export interface Sandbox {
  dir: string;
  /** podman's and buildah's storage flags (`--root`, `--runroot`, `--storage-driver`). */
  storage: string[];
  podman(...args: string[]): Promise<string>;
  buildah(...args: string[]): Promise<string>;
  /** Removes the podman/buildah storage (`system reset`) and the directory. */
  close(): Promise<void>;
}

/**
 * podman and buildah with their own --root/--runroot/--tmpdir (and a private registries.conf-free,
 * policy-free setup) under a temp dir, so that nothing global is touched.
 */
export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), "wharf-e2e-containers-"));
  const storage = ["--root", join(dir, "root"), "--runroot", join(dir, "runroot"), "--storage-driver", "vfs"];
  const env = ["--registries-conf", "/dev/null"];
  // podman's libpod state of its own too: a `system reset` wipes its tmpdir, by default the shared
  // /run/libpod, under every other podman running at the time (another test file's).
  const tmp = ["--tmpdir", join(dir, "tmp")];
  return {
    dir,
    storage,
    podman: (...args) => run("podman", [...storage, ...tmp, ...args]),
    buildah: (...args) => run("buildah", [...storage, ...env, ...args]),
    close: async () => {
      await run("podman", [...storage, ...tmp, "system", "reset", "-f"]).catch(() => "");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `podman pull` in the sandbox under a signature policy, with HOME at `home` (whose
 * .config/containers/registries.d it reads): "accepted", or podman's stderr when it refuses.
 */
export function podmanPullVerdict(box: Sandbox, home: string, policy: string, ref: string): string {
  try {
    execFileSync(
      "podman",
      [...box.storage, "pull", "--tls-verify=false", "--signature-policy", policy, ref],
      { env: { ...process.env, HOME: home }, stdio: "pipe" },
    );
    return "accepted";
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr);
  }
}
