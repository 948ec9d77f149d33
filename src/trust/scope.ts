import { parseReference, type Reference } from "../reference/index.js";
import type { Policy, Requirement } from "./policy.js";

/** `host/path:tag` or `host/path@digest`: the docker transport's policy identity of a reference. */
export function policyIdentity(ref: Reference): string {
  const name = `${ref.domain}/${ref.path}`;
  return ref.digest ? `${name}@${ref.digest}` : `${name}:${ref.tag ?? "latest"}`;
}

/**
 * The scopes a docker reference falls under, most specific first, as containers/image's docker
 * transport lists them: the repository, each parent namespace, the registry host, then wildcard
 * domains (`*.example.com`, `*.com`) for hosts without a port.
 */
export function policyNamespaces(ref: Reference): string[] {
  const out: string[] = [];
  const parts = ref.path.split("/");
  for (let i = parts.length; i > 0; i--) out.push(`${ref.domain}/${parts.slice(0, i).join("/")}`);
  out.push(ref.domain);
  if (!ref.domain.includes(":") && ref.domain.includes(".")) {
    const labels = ref.domain.split(".");
    for (let i = 1; i < labels.length; i++) out.push(`*.${labels.slice(i).join(".")}`);
  }
  return out;
}

export interface Chosen {
  requirements: Requirement[];
  /** Which scope chose them, for messages: `docker "localhost:5000/app"`, `default`. */
  scope: string;
}

/** The requirements for an image from a registry (transport `docker`): the most specific scope wins. */
export function requirementsFor(policy: Policy, ref: Reference | string, transport = "docker"): Chosen {
  const r = typeof ref === "string" ? parseReference(ref) : ref;
  const scopes = policy.transports[transport];
  if (scopes) {
    for (const s of [policyIdentity(r), ...policyNamespaces(r), ""]) {
      const reqs = scopes[s];
      if (reqs)
        return { requirements: reqs, scope: s === "" ? `transport ${transport}` : `${transport} "${s}"` };
    }
  }
  return { requirements: policy.default, scope: "default" };
}
