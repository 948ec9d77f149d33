import { LABELS } from "../../compose/index.js";
import { readEvents, type WharfEvent } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, projectNameOf } from "./compose-common.js";
import { runtimeContext } from "./container-common.js";

const p2 = (n: number, w = 2) => String(n).padStart(w, "0");

/** Go's `2006-01-02 15:04:05.000000` in local time, as Compose prints an event's time. */
export function eventTime(timeNano: number): string {
  const d = new Date(Math.floor(timeNano / 1e6));
  const micros = Math.floor((timeNano % 1e9) / 1e3);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${p2(micros, 6)}`;
}

/** Go's RFC 3339 with nanoseconds and the local offset, as `time.Time` marshals to JSON. */
export function eventTimeJson(timeNano: number): string {
  const d = new Date(Math.floor(timeNano / 1e6));
  const nanos = String(timeNano % 1e9)
    .padStart(9, "0")
    .replace(/0+$/, "");
  const off = -d.getTimezoneOffset();
  const zone =
    off === 0 ? "Z" : `${off > 0 ? "+" : "-"}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
  return `${eventTime(timeNano).slice(0, 19).replace(" ", "T")}${nanos ? `.${nanos}` : ""}${zone}`;
}

/** An event's attributes without Compose's own labels (Compose leaves them out). */
function attributes(e: WharfEvent): Record<string, string> {
  return Object.fromEntries(
    Object.entries(e.Actor.Attributes)
      .filter(([k]) => !k.startsWith("com.docker.compose."))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Compose's line: `TIME container ACTION ID (k=v, ...)`. */
export function eventLine(e: WharfEvent): string {
  const attr = Object.entries(attributes(e)).map(([k, v]) => `${k}=${v}`);
  return `${eventTime(e.timeNano)} container ${e.Action} ${e.Actor.ID} (${attr.join(", ")})`;
}

/** `--json`: Compose's object, its keys in the order Go marshals a map (sorted). */
export function eventJson(e: WharfEvent): string {
  return JSON.stringify({
    action: e.Action,
    attributes: attributes(e),
    id: e.Actor.ID,
    service: e.Actor.Attributes[LABELS.service] ?? "",
    time: eventTimeJson(e.timeNano),
    type: "container",
  });
}

export const command: Command = {
  path: ["compose", "events"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Receive real time events from containers",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "json", type: "bool", description: "Output events as a stream of json objects" },
  ],
  async run(ctx, f) {
    const { name } = projectNameOf(ctx, f);
    const json = flag.bool(f, "json");
    // As Compose: the project's container events from now on, until interrupted.
    for await (const e of readEvents(runtimeContext(ctx), { since: Date.now() * 1e6, follow: true })) {
      const a = e.Actor.Attributes;
      if (e.Type !== "container" || a[LABELS.project] !== name) continue;
      if (f.args.length > 0 && !f.args.includes(a[LABELS.service] ?? "")) continue;
      ctx.out(json ? eventJson(e) : eventLine(e));
    }
    return 0;
  },
};
