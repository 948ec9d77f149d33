import { stringify } from "yaml";
import type { FileReference, Project, ServiceConfig } from "./types.js";

/** A secret's or config's reference as Compose prints it: its mode in octal (`"0440"`). */
const printRef = (r: FileReference) => (r.mode === undefined ? r : { ...r, mode: `0${r.mode.toString(8)}` });

/** Sizes in bytes, as Compose prints them (a string of digits). */
const SIZES = ["mem_limit", "memswap_limit", "mem_reservation", "shm_size"] as const;

function bytes(n: number | undefined): string | undefined {
  return n === undefined ? undefined : String(n);
}

function printDeploy(d: NonNullable<ServiceConfig["deploy"]>): Record<string, unknown> {
  const r = d.resources;
  if (!r) return { ...d };
  return {
    ...d,
    resources: {
      ...(r.limits ? { limits: { ...r.limits, memory: bytes(r.limits.memory) } } : {}),
      ...(r.reservations ? { reservations: { memory: bytes(r.reservations.memory) } } : {}),
    },
  };
}

/** `blkio_config`'s rates as Compose prints them (a byte value: a string of digits). */
function printBlkio(b: NonNullable<ServiceConfig["blkio_config"]>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...b };
  for (const k of ["device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops"] as const)
    if (b[k]) out[k] = b[k].map((d) => ({ path: d.path, rate: String(d.rate) }));
  return out;
}

function printable(s: Omit<ServiceConfig, "name">): Record<string, unknown> {
  const sizes = Object.fromEntries(SIZES.filter((k) => s[k] !== undefined).map((k) => [k, bytes(s[k])]));
  return {
    ...s,
    ...sizes,
    ...(s.build?.shm_size !== undefined ? { build: { ...s.build, shm_size: bytes(s.build.shm_size) } } : {}),
    ...(s.deploy ? { deploy: printDeploy(s.deploy) } : {}),
    ...(s.blkio_config ? { blkio_config: printBlkio(s.blkio_config) } : {}),
    ...(s.network_mode !== undefined ? { networks: undefined } : {}),
    ...(s.secrets ? { secrets: s.secrets.map(printRef) } : {}),
    ...(s.configs ? { configs: s.configs.map(printRef) } : {}),
  };
}

/**
 * `compose config`: the normalised model as YAML (Compose's layout: name, services, networks,
 * volumes, secrets, configs; keys sorted as Compose prints them).
 */
export function projectYaml(p: Project): string {
  const services = Object.fromEntries(
    [...p.services]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(({ name, ...s }) => [
        name,
        Object.fromEntries(Object.entries(printable(s)).sort(([a], [b]) => a.localeCompare(b))),
      ]),
  );
  return stringify(
    {
      name: p.name,
      services,
      ...(Object.keys(p.networks).length ? { networks: p.networks } : {}),
      ...(Object.keys(p.volumes).length ? { volumes: p.volumes } : {}),
      ...(p.secrets && Object.keys(p.secrets).length ? { secrets: p.secrets } : {}),
      ...(p.configs && Object.keys(p.configs).length ? { configs: p.configs } : {}),
    },
    { lineWidth: 0 },
  );
}
