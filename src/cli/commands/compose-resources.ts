import { type Project, projectLabels, type ServiceConfig } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import {
  createNetwork,
  createVolume,
  listNetworks,
  listVolumes,
  type RuntimeContext,
} from "../../runtime/index.js";

type Progress = (kind: string, name: string, status: string) => void;

/** The networks and volumes the services use: made when missing (external ones must exist). */
export async function ensureResources(
  rt: RuntimeContext,
  p: Project,
  services: ServiceConfig[],
  say: Progress,
): Promise<void> {
  const netKeys = new Set(services.flatMap((s) => Object.keys(s.networks)));
  const have = new Set((await listNetworks(rt)).map((n) => n.Name));
  for (const key of Object.keys(p.networks).filter((k) => netKeys.has(k))) {
    const n = p.networks[key];
    if (!n || have.has(n.name)) continue;
    if (n.external) {
      throw new WharfError("not-found", `network ${n.name} declared as external, but could not be found`, {
        hint: `create it first: wharf network create ${n.name}`,
      });
    }
    say("Network", n.name, "Creating");
    await createNetwork(rt, {
      name: n.name,
      driver: n.driver ?? "bridge",
      labels: { ...n.labels, ...projectLabels(p, "network", key) },
    });
    say("Network", n.name, "Created");
  }
  const volKeys = new Set(
    services.flatMap((s) =>
      (s.volumes ?? []).flatMap((v) => (v.type === "volume" && v.source ? [v.source] : [])),
    ),
  );
  const vols = new Set((await listVolumes(rt)).map((v) => v.Name));
  for (const key of Object.keys(p.volumes).filter((k) => volKeys.has(k))) {
    const v = p.volumes[key];
    if (!v || vols.has(v.name)) continue;
    if (v.external) {
      throw new WharfError("not-found", `external volume "${v.name}" not found`, {
        hint: `create it first: wharf volume create ${v.name}`,
      });
    }
    say("Volume", `"${v.name}"`, "Creating");
    await createVolume(rt, { name: v.name, labels: { ...v.labels, ...projectLabels(p, "volume", key) } });
    say("Volume", `"${v.name}"`, "Created");
  }
}
