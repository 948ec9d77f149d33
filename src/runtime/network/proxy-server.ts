/**
 * The port relay of a wharf root (proxy.ts spawns it, detached, in a session of its own). It
 * listens on the root's abstract socket (a second relay finds it taken and leaves), applies the
 * mapping file, writes its PID file and a line on stdout (the start that spawned it waits for
 * that). Each connection on the socket names a container ID: the file is applied again and the
 * answer is `ok` or that container's failure. Twice a second it drops the listeners of containers
 * whose namespace is gone; after 3 s without a live entry it ends (`server-life.ts`), deciding under the file's
 * lock (a start adds its entries under it, then asks: it either is seen or finds no relay).
 * Argument: the root.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { liveEntries, proxyLock, proxyPidFile, proxySocket, readProxyMap } from "./proxy.js";
import { Relay } from "./proxy-relay.js";
import { announceReady, dropOwnPidFile, endWhenIdle } from "./server-life.js";

const root = process.argv[2] ?? "";
const relay = new Relay();
let failures = new Map<string, string>();
let queue: Promise<unknown> = Promise.resolve();
let liveCount = 0;

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} proxy ${msg}\n`);
}

/** Applies the file (one apply at a time). */
function sync(): Promise<void> {
  const next = queue.then(async () => {
    const live = liveEntries(readProxyMap(root));
    liveCount = Object.keys(live).length;
    failures = await relay.apply(live);
  });
  queue = next.catch(() => undefined);
  return next;
}

function dropPidFile(): void {
  dropOwnPidFile(proxyPidFile(root));
}

function listen(): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (c) => {
    let got = "";
    c.setEncoding("utf8");
    c.on("error", () => undefined);
    c.on("data", (d) => {
      got += d;
    });
    c.on("end", () => {
      const id = got.trim();
      sync().then(
        () => {
          const f = failures.get(id);
          c.end(f ? `err ${f}\n` : "ok\n");
        },
        (e: unknown) => c.end(`err ${(e as Error).message}\n`),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(proxySocket(root), () => resolve(server));
  });
}

function watch(server: Server): void {
  endWhenIdle({
    // The root removed (a test's, a benchmark's): nothing left to serve, nor a lock to decide under.
    gone: () => !existsSync(join(root, "networks")),
    busy: () => {
      sync().catch((e: unknown) => log(`applying: ${(e as Error).message}`));
      return liveCount > 0;
    },
    lock: proxyLock(root),
    stillBusy: () => Object.keys(liveEntries(readProxyMap(root))).length > 0,
    close: async () => {
      await new Promise((r) => server.close(r));
      await relay.closeAll();
      dropPidFile();
    },
    log,
  });
}

async function main(): Promise<void> {
  let server: Server;
  try {
    server = await listen();
  } catch (e) {
    // Another relay of this root got there first: it serves the root.
    if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") process.exit(0);
    throw e;
  }
  await sync();
  announceReady(proxyPidFile(root));
  watch(server);
}

main().catch((e: unknown) => {
  log(String(e));
  process.exit(1);
});
