/**
 * The `run`/`create` flags of namespaces, /dev/shm, sysctls and groups (`--shm-size`, `--pid`,
 * `--ipc`, `--uts`, `--cgroupns`, `--sysctl`, `--group-add`, `--domainname`), of the container's
 * bookkeeping (`--cidfile`, `--label-file`, `--annotation`, `--runtime`, `--volumes-from`,
 * `-q`, `-a`, `--sig-proxy`) and those Docker has but wharf cannot honour here (`--gpus`,
 * `--isolation`, `--storage-opt`, `--volume-driver`, `--userns`), which are refused, and `--link`
 * (legacy links, resolved by the runtime's links.ts).
 * Their values are read by `ns-flag-values.ts`, loaded only when one of them is given.
 */
import type { NsRunOptions } from "../../runtime/index.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";

export const RUN_NS_FLAGS: FlagSpec[] = [
  { name: "shm-size", type: "string", valueName: "bytes", description: "Size of /dev/shm" },
  { name: "pid", type: "string", description: "PID namespace to use" },
  { name: "ipc", type: "string", description: "IPC mode to use" },
  { name: "uts", type: "string", description: "UTS namespace to use" },
  {
    name: "cgroupns",
    type: "string",
    description: "Cgroup namespace to use (host|private)",
  },
  { name: "sysctl", type: "strings", valueName: "map", description: "Sysctl options (default map[])" },
  { name: "group-add", type: "strings", valueName: "list", description: "Add additional groups to join" },
  { name: "domainname", type: "string", description: "Container NIS domain name" },
  { name: "cidfile", type: "string", description: "Write the container ID to the file" },
  {
    name: "label-file",
    type: "strings",
    valueName: "list",
    description: "Read in a line delimited file of labels",
  },
  {
    name: "annotation",
    type: "strings",
    valueName: "map",
    description: "Add an annotation to the container (passed through to the OCI runtime) (default map[])",
  },
  { name: "quiet", short: "q", type: "bool", description: "Suppress the pull output" },
  { name: "runtime", type: "string", description: "Runtime to use for this container" },
  {
    name: "volumes-from",
    type: "strings",
    valueName: "list",
    description: "Mount volumes from the specified container(s)",
  },
  {
    name: "attach",
    short: "a",
    type: "strings",
    valueName: "list",
    description: "Attach to STDIN, STDOUT or STDERR",
  },
  {
    name: "sig-proxy",
    type: "bool",
    default: true,
    description: "Proxy received signals to the process",
  },
  {
    name: "gpus",
    type: "string",
    valueName: "gpu-request",
    description: "GPU devices to add to the container ('all' to pass all GPUs)",
  },
  { name: "isolation", type: "string", description: "Container isolation technology" },
  {
    name: "storage-opt",
    type: "strings",
    valueName: "list",
    description: "Storage driver options for the container",
  },
  { name: "volume-driver", type: "string", description: "Optional volume driver for the container" },
  { name: "userns", type: "string", description: "User namespace to use" },
  { name: "link", type: "strings", valueName: "list", description: "Add link to another container" },
];

/** The options the flags ask for: `{}` for a plain `run`, which loads nothing more. */
export async function nsRunOptions(
  f: ParsedFlags,
): Promise<NsRunOptions & { labels?: Record<string, string> }> {
  if (!RUN_NS_FLAGS.some((s) => f.given.has(s.name))) return {};
  return (await import("./ns-flag-values.js")).nsValues(f);
}
