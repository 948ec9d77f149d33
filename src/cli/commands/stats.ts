import { setTimeout as sleep } from "node:timers/promises";
import {
  type ContainerRecord,
  cpuPercent,
  getContainer,
  listContainers,
  memUsed,
  type StatsSample,
  sampleStats,
} from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import {
  bytesSize,
  formatFloat,
  formatterContext,
  humanSizeWithPrecision,
  renderFormat,
} from "../render/index.js";
import { FORMAT_FLAG } from "./common-flags.js";
import { runtimeContext } from "./container-common.js";

const TABLE =
  "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

const HEADERS = {
  ID: "CONTAINER ID",
  Container: "CONTAINER",
  Name: "NAME",
  CPUPerc: "CPU %",
  MemUsage: "MEM USAGE / LIMIT",
  MemPerc: "MEM %",
  NetIO: "NET I/O",
  BlockIO: "BLOCK I/O",
  PIDs: "PIDS",
};

/** Docker's sampling interval: the CPU share is measured over one second. */
const INTERVAL_MS = 1000;

const pct = (n: number) => `${formatFloat(n, "f", 2)}%`;
const io = (a: number, b: number) => `${humanSizeWithPrecision(a, 3)} / ${humanSizeWithPrecision(b, 3)}`;

/** One row of `stats`, as Docker's CLI formats a reading (`--` for a container not running). */
export function statsRow(
  rec: ContainerRecord,
  name: string,
  cur: StatsSample | undefined,
  prev: StatsSample | undefined,
  trunc: boolean,
) {
  const fields = cur
    ? {
        ID: trunc ? rec.id.slice(0, 12) : rec.id,
        Container: name,
        Name: rec.name,
        CPUPerc: pct(cpuPercent(prev, cur)),
        MemUsage: `${bytesSize(memUsed(cur))} / ${bytesSize(cur.memLimit)}`,
        MemPerc: pct(cur.memLimit > 0 ? (memUsed(cur) / cur.memLimit) * 100 : 0),
        NetIO: io(cur.netRx, cur.netTx),
        BlockIO: io(cur.blkRead, cur.blkWrite),
        PIDs: String(cur.pids),
      }
    : {
        ID: trunc ? rec.id.slice(0, 12) : rec.id,
        Container: name,
        Name: rec.name,
        CPUPerc: "--",
        MemUsage: "-- / --",
        MemPerc: "--",
        NetIO: "--",
        BlockIO: "--",
        PIDs: "--",
      };
  return formatterContext("*formatter.statsContext", fields);
}

export const command: Command = {
  path: ["stats"],
  aliases: [["container", "stats"]],
  usage: "[OPTIONS] [CONTAINER...]",
  description: "Display a live stream of container(s) resource usage statistics",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all containers (default shows just running)",
    },
    FORMAT_FLAG,
    {
      name: "no-stream",
      type: "bool",
      description: "Disable streaming stats and only pull the first result",
    },
    { name: "no-trunc", type: "bool", description: "Do not truncate output" },
  ],
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const named = f.args;
    const pick = async (): Promise<[string, ContainerRecord][]> => {
      if (named.length > 0)
        return Promise.all(
          named.map(async (n) => [n, await getContainer(rt, n)] as [string, ContainerRecord]),
        );
      const all = flag.bool(f, "all");
      return (await listContainers(rt)).filter((r) => all || r.state === "running").map((r) => [r.name, r]);
    };
    let format = flag.string(f, "format") ?? "";
    if (format === "" || format === "table") format = TABLE;
    const trunc = !flag.bool(f, "no-trunc");
    const live = (r: ContainerRecord) => r.state === "running" && r.pid > 0;
    const read = (r: ContainerRecord) => (live(r) ? sampleStats(r) : undefined);
    let prev = new Map<string, StatsSample | undefined>();
    const noStream = flag.bool(f, "no-stream");
    for (;;) {
      const recs = await pick();
      if (noStream || prev.size === 0) {
        for (const [, r] of recs) prev.set(r.id, read(r));
        await sleep(INTERVAL_MS);
      }
      const cur = new Map<string, StatsSample | undefined>();
      const rows = recs.map(([name, r]) => {
        const s = read(r);
        cur.set(r.id, s);
        return statsRow(r, name, s, prev.get(r.id), trunc);
      });
      const text = renderFormat(format, rows, { headers: HEADERS });
      // A terminal is redrawn in place, as Docker's CLI does; a pipe gets each reading in turn.
      if (!noStream && ctx.stdout.isTTY) ctx.stdout.write("\u001b[2J\u001b[H");
      ctx.stdout.write(text);
      if (noStream) return 0;
      prev = cur;
      await sleep(INTERVAL_MS);
    }
  },
};
