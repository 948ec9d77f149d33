import { stringify } from "yaml";
import type { Project } from "./types.js";

/** `compose config`: the normalised model as YAML (Compose's layout: name, services, networks, volumes, secrets, configs; keys sorted as Compose prints them). */
export function projectYaml(p: Project): string {
  const services = Object.fromEntries(
    [...p.services]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(({ name, ...s }) => [
        name,
        Object.fromEntries(Object.entries(s).sort(([a], [b]) => a.localeCompare(b))),
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
