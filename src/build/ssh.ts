import { chmod, chown, rm } from "node:fs/promises";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { randomHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";

/** `--ssh ID[=SOCKET]`: an SSH agent the build's `RUN --mount=type=ssh,id=ID` may use. */
export interface SshAgent {
  id: string;
  /** The agent's socket on the host (`$SSH_AUTH_SOCK` for `--ssh default`). */
  socket: string;
}

/** A socket of the step's own that forwards each connection to the agent; closed after the step. */
export interface SshProxy {
  path: string;
  close(): Promise<void>;
}

/**
 * Serves `agent` on a new socket in `dir` with the mount's mode and owner (default 0600, root),
 * as BuildKit forwards the client's agent through a socket of its own: the container sees no host
 * path, and a non-root USER can be given the socket (`uid=`, `gid=`, `mode=`).
 */
export async function sshProxy(
  agent: SshAgent,
  dir: string,
  o: { mode?: number; uid?: number; gid?: number },
): Promise<SshProxy> {
  const path = join(dir, `ssh-${randomHex(6)}.sock`);
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(agent.socket);
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  try {
    await chmod(path, o.mode ?? 0o600);
    await chown(path, o.uid ?? 0, o.gid ?? 0);
  } catch (e) {
    server.close();
    throw new WharfError("io", `cannot prepare the SSH agent socket: ${(e as Error).message}`, {
      hint: "check that the build's temporary directory allows sockets",
      cause: e,
    });
  }
  return {
    path,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
}
