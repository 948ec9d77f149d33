/**
 * The process of a network's DNS server (dns.ts starts it, detached, in a session of its own;
 * dns-serve.ts answers). It listens on the network's gateway address, port 53, writes its PID
 * file and a line on stdout (the start that spawned it waits for that line), then checks twice a
 * second whether the network has a running member: after 3 s without one it ends (`server-life.ts`), deciding
 * under the lock every peers.json change takes (peers.ts), so that a container joining meanwhile
 * either is seen or finds no server and starts one. A removed network's server ends at once.
 * Argument: one JSON word, DnsServerArgs.
 */
import { existsSync, readFileSync } from "node:fs";
import type { RuntimeContext } from "../types.js";
import type { DnsServerArgs } from "./dns.js";
import { type DnsServer, networkExists, serveDns } from "./dns-serve.js";
import { dnsPidPath, netnsPath, networksDir, peersLockPath } from "./layout.js";
import { announceReady, dropOwnPidFile, endWhenIdle } from "./server-life.js";

/** How long a server whose address is taken waits for an ending one to let it go. */
const BIND_WAIT_MS = 3000;

const args = JSON.parse(process.argv[2] ?? "{}") as DnsServerArgs;
const ctx = { root: args.root } as RuntimeContext;
const pidPath = dnsPidPath(ctx, args.network);

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} dns ${args.network.slice(0, 12)} ${msg}\n`);
}

function otherServerRuns(): boolean {
  try {
    const pid = Number.parseInt(readFileSync(pidPath, "utf8"), 10);
    if (!(pid > 0) || pid === process.pid) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function dropPidFile(): void {
  dropOwnPidFile(pidPath);
}

async function listen() {
  const deadline = Date.now() + BIND_WAIT_MS;
  for (;;) {
    try {
      return await serveDns({
        address: args.address,
        network: args.network,
        networksDir: networksDir(ctx),
        live: (id) => existsSync(netnsPath(id)),
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Another start's server got there first: it serves the network.
      if (code === "EADDRINUSE" && otherServerRuns()) process.exit(0);
      if (code !== "EADDRINUSE" || Date.now() > deadline) {
        log(`cannot listen on ${args.address}:53: ${(e as Error).message}`);
        process.exit(1);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function watch(server: DnsServer): void {
  endWhenIdle({
    gone: () => !networkExists(networksDir(ctx), args.network),
    busy: () => server.liveMembers() > 0,
    lock: peersLockPath(ctx),
    stillBusy: () => server.liveMembers() > 0,
    close: async () => {
      await server.close().catch(() => undefined);
      dropPidFile();
    },
    log,
  });
}

async function main(): Promise<void> {
  const server = await listen();
  announceReady(pidPath);
  watch(server);
}

main().catch((e: unknown) => {
  log(String(e));
  process.exit(1);
});
