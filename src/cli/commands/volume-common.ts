import { WharfError } from "../../errors/index.js";
import { ANONYMOUS_LABEL, type VolumeInfo } from "../../runtime/index.js";
import { badFilterFormat } from "../parse/filter-format.js";

/** `volume ls --filter`: dangling=, driver=, label=KEY[=VALUE], name= (a substring), as Docker's. */
export function volumeFilter(
  specs: readonly string[],
  used: (name: string) => boolean,
): (v: VolumeInfo) => boolean {
  const tests = specs.map((spec): ((v: VolumeInfo) => boolean) => {
    const eq = spec.indexOf("=");
    if (eq < 0) throw badFilterFormat(spec);
    const key = spec.slice(0, eq);
    const value = spec.slice(eq + 1);
    switch (key) {
      case "dangling": {
        if (!["true", "false", "1", "0"].includes(value)) {
          throw new WharfError("invalid-argument", `invalid filter 'dangling=${value}'`);
        }
        const want = value === "true" || value === "1";
        return (v) => !used(v.Name) === want;
      }
      case "driver":
        return () => value === "local";
      case "name":
        return (v) => v.Name.includes(value);
      case "label": {
        const i = value.indexOf("=");
        const k = i < 0 ? value : value.slice(0, i);
        return (v) => v.Labels !== null && k in v.Labels && (i < 0 || v.Labels[k] === value.slice(i + 1));
      }
      case "all":
        return () => true;
      default:
        throw new WharfError("invalid-argument", `invalid filter '${key}'`, {
          hint: "filters: dangling=true|false, driver=local, label=KEY[=VALUE], name=NAME",
        });
    }
  });
  return (v) => tests.every((t) => t(v));
}

export function isAnonymous(v: VolumeInfo): boolean {
  return v.Labels?.[ANONYMOUS_LABEL] !== undefined;
}
