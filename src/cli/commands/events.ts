import { WharfError } from "../../errors/index.js";
import { familiarName, parseReference } from "../../reference/index.js";
import { readEvents, type WharfEvent } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { badFilterFormat } from "../parse/filter-format.js";
import { parseTimestamp } from "../parse/prune-filters.js";
import { executeTemplate, parseGoTemplate } from "../render/index.js";
import { FILTER_FLAG, FORMAT_FLAG } from "./common-flags.js";
import { runtimeContext } from "./container-common.js";

const KEYS = ["container", "event", "type", "image", "label", "volume", "network"];

/** A reference's familiar name without its tag or digest (Docker's `stripTag`); else as given. */
function stripTag(image: string): string {
  if (!image) return image;
  try {
    return familiarName(parseReference(image));
  } catch {
    return image;
  }
}

/**
 * Docker's event filters: values of one key are alternatives, keys must all match. `container`
 * is an ID (or prefix) or a name, `event` an action (`health_status` matches its variants).
 */
export function eventFilter(specs: readonly string[]): (e: WharfEvent) => boolean {
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq < 0) throw badFilterFormat(spec);
    const k = spec.slice(0, eq);
    if (!KEYS.includes(k)) {
      throw new WharfError("invalid-argument", `invalid filter '${k}'`, {
        hint: `filters: ${KEYS.join("=, ")}=`,
      });
    }
    byKey.set(k, [...(byKey.get(k) ?? []), spec.slice(eq + 1)]);
  }
  const one = (k: string, v: string, e: WharfEvent): boolean => {
    const a = e.Actor.Attributes;
    switch (k) {
      case "container":
        return e.Type === "container" && (e.Actor.ID.startsWith(v) || a.name === v);
      case "event":
        return e.Action === v || e.Action.split(":")[0] === v;
      case "type":
        return e.Type === v;
      case "image": {
        // Docker's matchImage: the Actor's ID or image name (an image event's `name`, another's
        // `image`), each also without its tag or digest.
        const name = (e.Type === "image" ? a.name : a.image) ?? "";
        return [e.Actor.ID, name, stripTag(e.Actor.ID), stripTag(name)].includes(v);
      }
      case "label": {
        const i = v.indexOf("=");
        return i < 0 ? v in a : a[v.slice(0, i)] === v.slice(i + 1);
      }
      case "volume":
        return e.Type === "volume" && e.Actor.ID === v;
      default:
        return e.Type === "network" && (e.Actor.ID.startsWith(v) || a.name === v);
    }
  };
  return (e) => [...byKey].every(([k, vs]) => vs.some((v) => one(k, v, e)));
}

/** Go's RFC3339Nano with nine digits, in local time (Docker's `jsonmessage.RFC3339NanoFixed`). */
export function eventTime(nanos: number): string {
  const micros = Math.round(nanos / 1000);
  const ms = Math.floor(micros / 1000);
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const local = new Date(ms + off * 60_000).toISOString().slice(0, 19);
  // A JSON number holds nanoseconds since 1970 to about 256 ns: microseconds are what it keeps.
  const frac = `${String(micros % 1_000_000).padStart(6, "0")}000`;
  const zone =
    off === 0
      ? "Z"
      : `${off > 0 ? "+" : "-"}${String(Math.floor(Math.abs(off) / 60)).padStart(2, "0")}:${String(Math.abs(off) % 60).padStart(2, "0")}`;
  return `${local}.${frac}${zone}`;
}

/** Docker's line: time, type, action, actor, then its attributes sorted by key. */
export function eventLine(e: WharfEvent): string {
  const attrs = Object.entries(e.Actor.Attributes)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  return `${eventTime(e.timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ""}`;
}

function sortedAttributes(a: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/**
 * What a template sees of an event: Docker's `events.Message` by its Go field names (`.Type`,
 * `.Action`, `.Actor`, `.Scope`, `.Time`, `.TimeNano` and the deprecated `.ID`, `.Status`, `.From`,
 * filled for container and image events as Docker's daemon fills them), and its JSON (`{{json .}}`)
 * by its tags: `status`, `id`, `from` (left out when empty), `Type`, `Action`, `Actor` (attributes
 * sorted, as Go writes a map), `scope`, `time`, `timeNano`.
 */
export function templateData(e: WharfEvent): Record<string, unknown> {
  const deprecated =
    e.Type === "container"
      ? { ID: e.Actor.ID, Status: e.Action, From: e.Actor.Attributes.image ?? "" }
      : e.Type === "image"
        ? { ID: e.Actor.ID, Status: e.Action, From: "" }
        : { ID: "", Status: "", From: "" };
  const data: Record<string, unknown> = {
    ...deprecated,
    Type: e.Type,
    Action: e.Action,
    Actor: { ID: e.Actor.ID, Attributes: sortedAttributes(e.Actor.Attributes) },
    Scope: e.scope,
    Time: e.time,
    TimeNano: e.timeNano,
  };
  Object.defineProperty(data, "toJSON", {
    enumerable: false,
    value: () => ({
      ...(deprecated.Status ? { status: deprecated.Status } : {}),
      ...(deprecated.ID ? { id: deprecated.ID } : {}),
      ...(deprecated.From ? { from: deprecated.From } : {}),
      Type: e.Type,
      Action: e.Action,
      Actor: data.Actor,
      scope: e.scope,
      time: e.time,
      timeNano: e.timeNano,
    }),
  });
  return data;
}

export const command: Command = {
  path: ["events"],
  aliases: [["system", "events"]],
  usage: "[OPTIONS]",
  description: "Get real time events from the server",
  flags: [
    FILTER_FLAG,
    FORMAT_FLAG,
    { name: "since", type: "string", description: "Show all events created since timestamp" },
    { name: "until", type: "string", description: "Stream events until this timestamp" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const now = Date.now();
    const since = flag.string(f, "since");
    const until = flag.string(f, "until");
    const keep = eventFilter(flag.strings(f, "filter"));
    const format = flag.string(f, "format");
    const template = format ? parseGoTemplate(format === "json" ? "{{json .}}" : format) : undefined;
    // Without --since, only what happens from now on (Docker's default).
    const events = readEvents(runtimeContext(ctx), {
      since: since !== undefined ? parseTimestamp(since, now) * 1e6 : now * 1e6,
      ...(until !== undefined ? { until: parseTimestamp(until, now) * 1e6 } : {}),
      follow: true,
    });
    for await (const e of events) {
      if (!keep(e)) continue;
      if (!template) {
        ctx.out(eventLine(e));
        continue;
      }
      ctx.out(executeTemplate(template, templateData(e)));
    }
    return 0;
  },
};
