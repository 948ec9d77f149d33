/** The networking a container's options ask for (read by its start, its end and `inspect`). */
import type { ContainerRecord } from "../types.js";
import { canBridge } from "./networks.js";
import type { EndpointRequest } from "./types.js";

export type NetPlan =
  | { kind: "host" }
  | { kind: "none" }
  /** Without root: the host's network with a hostname of its own (wharf's behaviour before bridges). */
  | { kind: "shared" }
  | { kind: "container"; ref: string }
  | { kind: "bridge"; endpoints: EndpointRequest[] };

/** The networking a container's options ask for. */
export function netPlan(o: ContainerRecord["options"]): NetPlan {
  const mode = o.network ?? "default";
  if (mode === "host") return { kind: "host" };
  if (mode === "none") return { kind: "none" };
  if (mode.startsWith("container:")) return { kind: "container", ref: mode.slice("container:".length) };
  const explicit = mode !== "default" || (o.endpoints?.length ?? 0) > 0 || (o.publish?.length ?? 0) > 0;
  if (!canBridge() && !explicit) return { kind: "shared" };
  return { kind: "bridge", endpoints: o.endpoints ?? [{ network: mode === "default" ? "bridge" : mode }] };
}
