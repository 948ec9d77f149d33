/**
 * buildx's `build` flags that change what a build may do or what it makes: `--allow` (BuildKit's
 * entitlements) and `--annotation` (OCI annotations).
 */
import { type BuildOptions, parseAnnotation } from "../../build/index.js";
import { usage } from "./build-options.js";

/** BuildKit's entitlements (`--allow`, comma-separated or repeated). */
const ENTITLEMENTS = ["network.host", "security.insecure"];

/**
 * `--allow`: the entitlements a build grants its steps. `security.insecure` lets `RUN
 * --security=insecure` run privileged; `network.host` is taken (RUN steps use the host's network
 * here already).
 */
export function entitlementsOf(values: readonly string[]): Pick<BuildOptions, "allowInsecure"> {
  const all = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const e of all) {
    if (!ENTITLEMENTS.includes(e))
      throw usage(`invalid entitlement: ${e}`, `allow ${ENTITLEMENTS.join(" or ")}`);
  }
  return all.includes("security.insecure") ? { allowInsecure: true } : {};
}

/** `--annotation [TYPE[PLATFORMS]:]KEY=VALUE` (buildx), checked before anything is built. */
export function annotationsFlag(values: readonly string[]): Pick<BuildOptions, "annotations"> {
  return values.length > 0 ? { annotations: values.map(parseAnnotation) } : {};
}
