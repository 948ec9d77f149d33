/**
 * `-p/--publish` and `--expose` as Docker's CLI reads them (go-connections' `nat.ParsePortSpec`):
 * `[IP:][HOST:]CONTAINER[/PROTO]`, ranges on either side (a host range for one container port
 * means any free port of it), and the long form `published=8080,target=80,protocol=udp`.
 */
import { WharfError } from "../../errors/index.js";
import type { PortProtocol, PublishSpec } from "../../runtime/index.js";

const PROTOCOLS = ["tcp", "udp", "sctp"];

function bad(message: string): WharfError {
  return new WharfError("invalid-argument", message, {
    hint: "publish as [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. -p 8080:80 or -p 127.0.0.1:8080:80/tcp",
  });
}

/** `80` or `8000-8010` as [start, end]; undefined when it is not one. */
export function parsePortRange(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}

function splitProto(s: string): [string, string] {
  const i = s.lastIndexOf("/");
  return i < 0 ? [s, "tcp"] : [s.slice(0, i), s.slice(i + 1)];
}

function checkProto(proto: string): PortProtocol {
  const p = proto.toLowerCase();
  if (!PROTOCOLS.includes(p)) throw bad(`invalid proto: ${proto}`);
  return p as PortProtocol;
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(":");
  const n = parts.length;
  const container = parts[n - 1] ?? "";
  if (n === 1) return ["", "", container];
  if (n === 2) return ["", parts[0] ?? "", container];
  return [parts.slice(0, n - 2).join(":"), parts[n - 2] ?? "", container];
}

function isIp(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s))
    return s.split(".").every((x) => Number(x) <= 255);
  return /^[0-9a-fA-F:]+$/.test(s) && s.includes(":");
}

/** The long form (`--publish published=8080,target=80,protocol=tcp,mode=host,host_ip=…`). */
function longForm(raw: string): string {
  const kv: Record<string, string> = {};
  for (const field of raw.split(",")) {
    const i = field.indexOf("=");
    if (i < 0) throw bad(`invalid field: ${field}`);
    kv[field.slice(0, i).toLowerCase()] = field.slice(i + 1);
  }
  if (!kv.target) throw bad("missing mandatory field 'target'");
  const ip = kv.host_ip ? `${kv.host_ip}:` : "";
  const pub = kv.published ?? "";
  return `${ip}${pub || ip ? `${pub}:` : ""}${kv.target}/${kv.protocol ?? "tcp"}`;
}

/** One `-p` value as its bindings (one per container port). */
export function parsePublish(raw: string): PublishSpec[] {
  const spec = raw.includes("=") ? longForm(raw) : raw;
  let [ip, hostPort, containerPart] = splitParts(spec);
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip !== "" && !isIp(ip)) throw bad(`invalid IP address: ${ip}`);
  const [containerPort, proto] = splitProto(containerPart);
  if (containerPort === "") throw bad(`no port specified: ${containerPart}<empty>`);
  const cr = parsePortRange(containerPort);
  if (!cr || cr[0] === 0) throw bad(`invalid containerPort: ${containerPort}`);
  let hr: [number, number] | undefined;
  if (hostPort !== "") {
    hr = parsePortRange(hostPort);
    if (!hr) throw bad(`invalid hostPort: ${hostPort}`);
  }
  const protocol = checkProto(proto);
  const [cs, ce] = cr;
  if (hr && ce - cs !== hr[1] - hr[0] && ce !== cs) {
    throw bad(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const out: PublishSpec[] = [];
  for (let i = 0; i <= ce - cs; i++) {
    let host = "";
    if (hr) host = cs === ce && hr[0] !== hr[1] ? `${hr[0]}-${hr[1]}` : String(hr[0] + i);
    out.push({ containerPort: cs + i, protocol, hostIp: ip, hostPort: host === "0" ? "" : host });
  }
  return out;
}

/** One `--expose` value (`80`, `80/udp`, `8000-8010`) as `port/proto` keys. */
export function parseExpose(raw: string): string[] {
  const [port, proto] = splitProto(raw);
  const r = parsePortRange(port);
  if (!r) {
    const first = port.split("-").find((x) => !/^\d+$/.test(x)) ?? port;
    throw bad(
      `invalid range format for --expose: ${raw}, error: strconv.ParseUint: parsing ${JSON.stringify(first)}: invalid syntax`,
    );
  }
  const p = checkProto(proto);
  const out: string[] = [];
  for (let n = r[0]; n <= r[1]; n++) out.push(`${n}/${p}`);
  return out;
}

/** `port CONTAINER 80/tcp`: the port and protocol asked for. */
export function parsePortArg(raw: string): { port: number; protocol: PortProtocol } {
  const [port, proto] = splitProto(raw);
  const r = parsePortRange(port);
  if (!r || r[0] !== r[1]) throw bad(`Error: invalid port (${raw})`);
  return { port: r[0], protocol: checkProto(proto) };
}
