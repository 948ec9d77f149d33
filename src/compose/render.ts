import { stringify } from "yaml";
import type { FileReference, Project, ServiceConfig } from "./types.js";

/** A secret's or config's reference as Compose prints it: its mode in octal (`"0440"`). */
const printRef = (r: FileReference) => (r.mode === undefined ? r : { ...r, mode: `0${r.mode.toString(8)}` });

function printable(s: Omit<ServiceConfig, "name">): Record<string, unknown> {
  return {
    ...s,
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
