import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject, withDependencies } from "../../compose/index.js";
import type { ContainerRecord, RuntimeContext } from "../../runtime/index.js";
import type { Context } from "../context.js";
import { parseFlags } from "../flags.js";
import { command } from "./compose-up.js";
import { attachedServices, upOptions, upScope, watchExits } from "./compose-up-options.js";

const YAML = `services:
  db: {image: x}
  cache: {image: x, attach: false}
  app: {image: x, depends_on: [db, cache]}
  job: {image: x}
`;

function project() {
  const dir = mkdtempSync(join(tmpdir(), "wharf-compose-up-"));
  try {
    writeFileSync(join(dir, "compose.yaml"), YAML);
    return loadProject({ cwd: dir, env: {}, projectName: "p" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const p = project();
const options = (...argv: string[]) => {
  const f = parseFlags(argv, command.flags);
  return { o: upOptions(f, p), args: f.args };
};
/** The services `up ARGV` attaches to, as the verb computes them. */
const attached = (...argv: string[]) => {
  const { o, args } = options(...argv);
  return attachedServices(withDependencies(p.services, args), args, o);
};

describe("compose up: flags", () => {
  it("reads --attach and --no-attach (repeatable), --attach-dependencies, --abort-on-container-failure", () => {
    const { o } = options(
      "--attach",
      "db",
      "--attach=app",
      "--no-attach",
      "job",
      "--abort-on-container-failure",
    );
    expect(o.attach).toEqual(["db", "app"]);
    expect(o.noAttach).toEqual(["job"]);
    expect(o.attachDependencies).toBe(false);
    expect(o.abort).toBe(true);
    expect(o.failureOnly).toBe(true);
    expect(options("--attach-dependencies").o.attachDependencies).toBe(true);
    const exit = options("--abort-on-container-exit").o;
    expect([exit.abort, exit.failureOnly]).toEqual([true, false]);
  });

  it("--exit-code-from implies --abort-on-container-exit, unless --abort-on-container-failure is given", () => {
    const from = options("--exit-code-from", "job").o;
    expect([from.abort, from.failureOnly, from.exitCodeFrom]).toEqual([true, false, "job"]);
    const fail = options("--exit-code-from", "job", "--abort-on-container-failure").o;
    expect([fail.abort, fail.failureOnly, fail.exitCodeFrom]).toEqual([true, true, "job"]);
  });

  it("refuses the combinations Compose refuses, in its words", () => {
    const refused =
      (...argv: string[]) =>
      () =>
        options(...argv);
    expect(refused("--abort-on-container-exit", "--abort-on-container-failure")).toThrow(
      "--abort-on-container-failure cannot be combined with --abort-on-container-exit",
    );
    // --exit-code-from implies on exit only when failure is not asked: no refusal then.
    expect(refused("--exit-code-from", "app", "--abort-on-container-failure")).not.toThrow();
    const detach =
      "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach or --attach-dependencies";
    for (const f of [
      ["--abort-on-container-failure"],
      ["--abort-on-container-exit"],
      ["--attach", "db"],
      ["--attach-dependencies"],
    ])
      expect(refused("-d", ...f)).toThrow(detach);
    // --no-attach alone is no attach: -d takes it (and ignores it), as Compose.
    expect(refused("-d", "--no-attach", "db")).not.toThrow();
    const wait =
      "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies";
    expect(refused("--wait", "--attach", "db")).toThrow(wait);
    expect(refused("--wait", "--attach-dependencies")).toThrow(wait);
    // --wait implies --detach: with --abort-on-container-failure it is the detach refusal.
    expect(refused("--wait", "--abort-on-container-failure")).toThrow(detach);
    expect(refused("--attach", "db", "--attach-dependencies")).toThrow(
      "cannot combine --attach and --attach-dependencies",
    );
  });
});

describe("compose up: the services attached", () => {
  it("all but attach: false without a name; only those named with names", () => {
    expect(attached()).toEqual(["db", "app", "job"]);
    expect(attached("app")).toEqual(["app"]);
    expect(attached("app", "job")).toEqual(["app", "job"]);
  });

  it("--attach-dependencies adds what the named ones depend on, attach: false still left out", () => {
    expect(attached("--attach-dependencies", "app")).toEqual(["db", "app"]);
    expect(attached("--attach-dependencies", "job")).toEqual(["job"]);
  });

  it("--attach takes its services as given (attach: false too), each among those up starts", () => {
    expect(attached("--attach", "cache")).toEqual(["cache"]);
    expect(attached("--attach", "job", "--attach", "db")).toEqual(["db", "job"]);
    expect(attached("--attach", "db", "app")).toEqual(["db"]);
    expect(() => attached("--attach", "job", "--attach", "nope", "app")).toThrow(
      "cannot attach to services not included in up: job, nope",
    );
  });

  it("--no-attach takes services out of either", () => {
    expect(attached("--no-attach", "db")).toEqual(["app", "job"]);
    expect(attached("--no-attach", "db", "--no-attach", "nope", "--attach-dependencies", "app")).toEqual([
      "app",
    ]);
    expect(attached("--attach", "db", "--attach", "job", "--no-attach", "job")).toEqual(["db"]);
  });
});

describe("compose up: the services watched and stopped", () => {
  const selected = p.services;
  it("without names: the attached ones watched, all stopped", () => {
    expect(upScope(selected, [], ["db", "app"])).toEqual({
      watched: ["db", "app"],
      stopped: ["db", "cache", "app", "job"],
    });
  });
  it("with names: those named, neither their dependencies nor the attached ones", () => {
    expect(upScope(withDependencies(selected, ["app"]), ["app"], ["db", "app"])).toEqual({
      watched: ["app"],
      stopped: ["app"],
    });
  });
});

/** A container record as far as watchExits reads it. */
const rec = (service: string, state: string, exitCode = 0) =>
  ({
    id: `id-${service}`,
    name: `p-${service}-1`,
    state,
    exitCode,
    options: { labels: { "com.docker.compose.service": service } },
  }) as unknown as ContainerRecord;

/**
 * watchExits over containers whose states `states` gives (each call the next state of each, the last
 * one kept); the lines up prints, and its status.
 */
async function exits(
  argv: string[],
  watched: string[],
  states: Record<string, string[]>,
  stopped: () => boolean = () => false,
  drained?: (id: string, lines: string[]) => Promise<void>,
): Promise<{ lines: string[]; code: number }> {
  const lines: string[] = [];
  const ctx = { out: (l = "") => lines.push(l), err: () => undefined } as unknown as Context;
  const drainedOf = drained ? (id: string) => drained(id, lines) : undefined;
  const calls = new Map<string, number>();
  const inspect = async (id: string) => {
    const service = id.slice(3);
    const seq = states[service] ?? [];
    const n = calls.get(service) ?? 0;
    calls.set(service, n + 1);
    const st = seq[Math.min(n, seq.length - 1)];
    if (st === undefined || st === "removed") return undefined;
    const [state = "", code = "0"] = st.split(":");
    return rec(service, state, Number(code));
  };
  const all = Object.keys(states).map((s) => rec(s, "running"));
  const w = watchExits(
    ctx,
    {} as RuntimeContext,
    p,
    { watched: watched.map((s) => rec(s, "running")), stopped: [], all },
    options(...argv).o,
    () => undefined,
    stopped,
    { inspect, pollMs: 1, ...(drainedOf ? { drained: drainedOf } : {}) },
  );
  return { lines, code: await w.done };
}

describe("compose up: the exits printed", () => {
  it("up --attach db app: app (watched, not attached) has its exit line, db (attached, not watched) none", async () => {
    // upScope: app named, so app alone is watched; db is attached.
    const { o, args } = options("--attach", "db", "app");
    const sel = withDependencies(p.services, args);
    const attachedTo = attachedServices(sel, args, o);
    expect(attachedTo).toEqual(["db"]);
    const scope = upScope(sel, args, attachedTo);
    expect(scope.watched).toEqual(["app"]);
    const r = await exits(["--attach", "db", "app"], scope.watched, {
      db: ["exited:2"],
      app: ["running", "running", "exited:0"],
    });
    expect(r.lines).toEqual(["p-app-1 exited with code 0"]);
    expect(r.code).toBe(0);
  });

  it("without --abort-on-container-exit: each watched one's line as it exits, no abort, status 0", async () => {
    const r = await exits([], ["db", "job"], {
      db: ["running", "exited:3"],
      job: ["exited:0"],
    });
    expect(r.lines).toEqual(["p-job-1 exited with code 0", "p-db-1 exited with code 3"]);
    expect(r.code).toBe(0);
  });

  it("--exit-code-from app with app not attached: its line, the abort, its status", async () => {
    const r = await exits(["--attach", "db", "--exit-code-from", "app", "app"], ["app"], {
      db: ["running"],
      app: ["running", "exited:4"],
    });
    expect(r.lines).toEqual(["p-app-1 exited with code 4", "Aborting on container exit..."]);
    expect(r.code).toBe(4);
  });

  it("a followed container's line comes after its last log lines (the logs drained first)", async () => {
    const r = await exits([], ["job"], { job: ["exited:1"] }, undefined, async (id, lines) => {
      await new Promise((res) => setTimeout(res, 20));
      lines.push(`log end of ${id}`);
    });
    expect(r.lines).toEqual(["log end of id-job", "p-job-1 exited with code 1"]);
  });

  it("a watched container removed meanwhile ends without a line; none once ^C stops them", async () => {
    const gone = await exits([], ["job"], { job: ["running", "removed"] });
    expect(gone).toEqual({ lines: [], code: 0 });
    let n = 0;
    const stopped = await exits([], ["job"], { job: ["running", "running", "exited:137"] }, () => ++n > 2);
    expect(stopped).toEqual({ lines: [], code: 0 });
  });
});
