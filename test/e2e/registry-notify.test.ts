import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario } from "../../src/registry/notify/testing/scenario.js";
import type { Event } from "../../src/registry/notify/types.js";
import { addImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateOnRegistry } from "./helpers/validate.js";

/**
 * Registry notifications against the reference: Distribution 2.8.2 and `wharf registry serve`, each
 * with an endpoint on one recording receiver, get the same pushes (skopeo, and plain HTTP requests),
 * pulls, mount and deletes; their events must agree field by field (ids, times, addresses, instance
 * IDs and the host:port of URLs aside). Then retries (a receiver that answers 500 at first) and an
 * endpoint that never answers (registry requests must not wait for it).
 */
interface Received {
  headers: IncomingHttpHeaders;
  events: Event[];
  status: number;
}

let receiver: Server;
let base: string;
const received = new Map<string, Received[]>();
/** Per path: how to answer the n-th envelope (1-based); default 200. */
const answers = new Map<string, (n: number) => number | "hang">();
const servers: RunningRegistry[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-e2e-notify-"));
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      const list = received.get(path) ?? [];
      received.set(path, list);
      const answer = answers.get(path)?.(list.length + 1) ?? 200;
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { events: Event[] };
      list.push({ headers: req.headers, events: body.events, status: answer === "hang" ? 0 : answer });
      if (answer !== "hang") res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of servers) await s.close();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const endpointYaml = (path: string, extra: string[] = []) =>
  [
    "notifications:",
    "  events:",
    "    includereferences: true",
    "  endpoints:",
    "    - name: recorder",
    `      url: ${base}${path}`,
    "      headers:",
    "        X-Test: [one, two]",
    "      timeout: 2s",
    "      threshold: 2",
    "      backoff: 100ms",
    ...extra.map((l) => `      ${l}`),
  ].join("\n");

async function start(kind: "distribution" | "wharf", extraYaml?: string): Promise<RunningRegistry> {
  const opts = extraYaml ? { extraYaml } : {};
  const s = kind === "distribution" ? await startDistribution(opts) : await startWharfRegistry(opts);
  servers.push(s);
  return s;
}

/** Delivered events on a path (those answered 2xx), once their number has stopped changing. */
async function settled(path: string, atLeast: number, timeoutMs = 15_000): Promise<Event[]> {
  const ok = () => (received.get(path) ?? []).filter((r) => r.status >= 200 && r.status < 400);
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const n = ok().flatMap((r) => r.events).length;
    if (n >= atLeast && n === last) break;
    if (Date.now() > deadline) break;
    last = n;
    await sleep(300);
  }
  return ok().flatMap((r) => r.events);
}

/** What must agree between the two registries: no ids, times, addresses or hosts. */
function comparable(e: Event, host: string) {
  const target = { ...e.target };
  if (target.url) target.url = target.url.replace(`http://${host}/`, "http://HOST/");
  return {
    action: e.action,
    target,
    method: e.request.method,
    useragent: e.request.useragent,
    actor: e.actor,
  };
}

describe("registry notifications, compared with Distribution 2.8.2", () => {
  it("sends the same events for a skopeo push and for pulls, a mount and deletes", async () => {
    const dist = await start("distribution", endpointYaml("/dist"));
    const wharf = await start("wharf", endpointYaml("/wharf"));
    const src = join(dir, "src");
    await addImage(src, {
      tag: "v1",
      gzip: 1,
      layers: [[{ name: "a.bin", random: 3000 }], [{ name: "b.bin", random: 2000 }]],
    });
    for (const s of [dist, wharf]) {
      await skopeo("copy", "--dest-tls-verify=false", `oci:${src}:v1`, `docker://${s.host}/e2e/skopeo:v1`);
    }
    const pushed = { dist: await settled("/dist", 4), wharf: await settled("/wharf", 4) };
    const sorted = (events: Event[], host: string) =>
      events
        .map((e) => comparable(e, host))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    // skopeo uploads layers in parallel: the order of blob pushes may differ, the set may not.
    expect(sorted(pushed.wharf, wharf.host)).toEqual(sorted(pushed.dist, dist.host));
    expect(pushed.wharf.map((e) => e.action).sort()).toEqual(["push", "push", "push", "push"]);
    expect(pushed.wharf.at(-1)?.target.tag).toBe("v1");

    const before = { dist: pushed.dist.length, wharf: pushed.wharf.length };
    await runScenario(dist.url);
    await runScenario(wharf.url);
    const d = (await settled("/dist", before.dist + 15)).slice(before.dist);
    const w = (await settled("/wharf", before.wharf + 15)).slice(before.wharf);
    expect(w.map((e) => comparable(e, wharf.host))).toEqual(d.map((e) => comparable(e, dist.host)));
    expect(w).toHaveLength(15);
    // The envelope: its media type and the configured headers, one event each as Distribution sends.
    for (const path of ["/dist", "/wharf"]) {
      for (const r of received.get(path) ?? []) {
        expect(r.headers["content-type"]).toBe("application/vnd.docker.distribution.events.v1+json");
        expect(r.headers["x-test"]).toBe("one, two");
        expect(r.events).toHaveLength(1);
      }
    }
    for (const e of w) {
      expect(e.request.host).toBe(wharf.host);
      expect(e.source.addr).toMatch(new RegExp(`:${wharf.host.split(":")[1]}$`));
    }
    // Last: its reads would be events Distribution's receiver does not get.
    expect(await validateOnRegistry(wharf.host, "e2e/skopeo", "v1")).toMatchObject({ images: 1 });
  }, 120_000);

  it("retries an endpoint that answers 500 until it takes each event, once and in order", async () => {
    answers.set("/flaky", (n) => (n <= 3 ? 500 : 200));
    const wharf = await start("wharf", endpointYaml("/flaky"));
    await runScenario(wharf.url);
    const delivered = await settled("/flaky", 15);
    expect(delivered).toHaveLength(15);
    expect(new Set(delivered.map((e) => e.id)).size).toBe(15);
    // Each failed attempt is logged (at error level, as Distribution logs it).
    expect(wharf.output().match(/notification delivery failed; retrying/g)).toHaveLength(3);
    const all = received.get("/flaky") ?? [];
    expect(all.slice(0, 3).map((r) => r.status)).toEqual([500, 500, 500]);
    // The refused event is the one sent again: the first four envelopes carry the same event.
    expect(new Set(all.slice(0, 4).map((r) => r.events[0]?.id)).size).toBe(1);
    expect(delivered.map((e) => `${e.action} ${e.request.method}`)).toEqual([
      "push PUT",
      "push PUT",
      "push PUT",
      "push PUT",
      "pull HEAD",
      "pull GET",
      "pull GET",
      "pull HEAD",
      "pull GET",
      "pull GET",
      "pull GET",
      "mount POST",
      "delete DELETE",
      "delete DELETE",
      "delete DELETE",
    ]);
  }, 60_000);

  it("does not slow registry requests when the endpoint never answers", async () => {
    answers.set("/never", () => "hang");
    const plain = await start("wharf");
    const stuck = await start("wharf", endpointYaml("/never", []).replace("timeout: 2s", "timeout: 30s"));
    const time = async (url: string) => {
      const t0 = performance.now();
      const r = await runScenario(url);
      expect(r.statuses.every(([, s]) => s < 400)).toBe(true);
      return performance.now() - t0;
    };
    // Warm both (first requests load code), then time each three times; medians compared.
    await time(plain.url);
    await time(stuck.url);
    const runs = { plain: [] as number[], stuck: [] as number[] };
    for (let i = 0; i < 3; i++) {
      runs.plain.push(await time(plain.url));
      runs.stuck.push(await time(stuck.url));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] ?? 0;
    console.log(
      `scenario (18 requests): ${median(runs.plain).toFixed(0)} ms without notifications, ${median(runs.stuck).toFixed(0)} ms with an endpoint that never answers`,
    );
    expect(received.get("/never")?.length ?? 0).toBeGreaterThan(0);
    expect(median(runs.stuck)).toBeLessThan(median(runs.plain) * 2 + 200);
  }, 60_000);
});
