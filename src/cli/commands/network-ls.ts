import { WharfError } from "../../errors/index.js";
import { listNetworks, type NetworkRecord } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { badFilterFormat } from "../parse/filter-format.js";
import { formatterContext, goTimeString, renderFormat } from "../render/index.js";
import { runtimeContext } from "./container-common.js";

const HEADERS = {
  ID: "NETWORK ID",
  Name: "NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  IPv6: "IPV6",
  Internal: "INTERNAL",
  Labels: "LABELS",
  CreatedAt: "CREATED AT",
};

const BUILTIN = ["bridge", "host", "none"];

/** Docker's `network ls --filter` keys: driver, id, label, name, scope, type (custom|builtin). */
export function networkFilter(specs: string[]): (n: NetworkRecord) => boolean {
  const tests = specs.map((spec): ((n: NetworkRecord) => boolean) => {
    const eq = spec.indexOf("=");
    if (eq < 0) throw badFilterFormat(spec);
    const key = spec.slice(0, eq);
    const value = spec.slice(eq + 1);
    switch (key) {
      case "driver":
        return (n) => n.Driver === value;
      case "id":
        return (n) => n.Id.startsWith(value);
      case "name":
        return (n) => n.Name.includes(value);
      case "scope":
        return (n) => n.Scope === value;
      case "type":
        if (value !== "custom" && value !== "builtin") {
          throw new WharfError("invalid-argument", `invalid filter: 'type'='${value}'`, {
            hint: "type is custom or builtin",
          });
        }
        return (n) => BUILTIN.includes(n.Name) === (value === "builtin");
      case "label": {
        const i = value.indexOf("=");
        return i < 0 ? (n) => value in n.Labels : (n) => n.Labels[value.slice(0, i)] === value.slice(i + 1);
      }
      default:
        throw new WharfError("invalid-argument", `invalid filter '${key}'`, {
          hint: "filter by driver, id, label, name, scope or type",
        });
    }
  });
  // Values of one key are alternatives, different keys must all hold (Docker's filters.Args).
  const byKey = new Map<string, ((n: NetworkRecord) => boolean)[]>();
  specs.forEach((s, i) => {
    const k = s.slice(0, s.indexOf("="));
    byKey.set(k, [...(byKey.get(k) ?? []), tests[i] as (n: NetworkRecord) => boolean]);
  });
  return (n) => [...byKey.values()].every((alts) => alts.some((t) => t(n)));
}

export const command: Command = {
  path: ["network", "ls"],
  aliases: [["network", "list"]],
  usage: "[OPTIONS]",
  description: "List networks",
  flags: [
    {
      name: "filter",
      short: "f",
      type: "strings",
      valueName: "filter",
      description: 'Provide filter values (e.g. "driver=bridge")',
    },
    { name: "format", type: "string", description: "Format output using a custom template" },
    { name: "no-trunc", type: "bool", description: "Do not truncate the output" },
    { name: "quiet", short: "q", type: "bool", description: "Only display network IDs" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const keep = networkFilter(flag.strings(f, "filter"));
    const nets = (await listNetworks(runtimeContext(ctx))).filter(keep);
    const trunc = !flag.bool(f, "no-trunc");
    let format = flag.string(f, "format") ?? "";
    if (format === "" || format === "table") {
      format = flag.bool(f, "quiet") ? "{{.ID}}" : "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
    }
    const rows = nets.map((n) => {
      const fields = {
        ID: trunc ? n.Id.slice(0, 12) : n.Id,
        Name: n.Name,
        Driver: n.Driver,
        Scope: n.Scope,
        IPv6: String(n.EnableIPv6),
        Internal: String(n.Internal),
        Labels: Object.entries(n.Labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
        CreatedAt: goTimeString(Date.parse(n.Created)),
      };
      return formatterContext("*formatter.networkContext", fields);
    });
    const text = renderFormat(format, rows, { headers: HEADERS });
    if (text !== "") ctx.out(text.replace(/\n$/, ""));
    return 0;
  },
};
