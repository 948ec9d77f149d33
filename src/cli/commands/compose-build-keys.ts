/**
 * A service's `build:` keys as `wharf build` takes the flags of the same meaning (`--label`,
 * `--cache-from`, `--network`, `--secret`, `--ssh`, `--platform`, `-t`, `--no-cache`, `--pull`,
 * `--build-context`, `--shm-size`, `--ulimit`, `--add-host`; `dockerfile_inline` as `-f -`).
 */
import { Readable } from "node:stream";
import type { BuildOptions } from "../../build/index.js";
import type { Project, ServiceConfig } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import {
  parseAddHosts,
  parseBuildContexts,
  parseCacheFrom,
  parseCacheTo,
  parseSsh,
} from "./build-options.js";

type Options = Partial<BuildOptions> & { platforms?: string[] };

/** The build options a service's `build:` asks for (besides context, dockerfile, args, target). */
export function buildKeyOptions(p: Project, s: ServiceConfig, env: NodeJS.ProcessEnv): Options {
  const b = s.build;
  if (!b) return {};
  const o: Options = {};
  const where = `services.${s.name}.build`;
  if (b.network !== undefined && b.network !== "") {
    if (!["default", "host", "none"].includes(b.network))
      throw new WharfError(
        "usage",
        `${where}.network: network mode "${b.network}" not supported by wharf build`,
        {
          hint: "use network: host (the default) or none",
        },
      );
    o.network = b.network as "default" | "host" | "none";
  }
  if (b.cache_from?.length) o.cacheFrom = b.cache_from.map(parseCacheFrom);
  if (b.cache_to?.length) o.cacheTo = b.cache_to.map(parseCacheTo);
  if (b.extra_hosts?.length) o.extraHosts = parseAddHosts(b.extra_hosts);
  if (b.ssh?.length) o.ssh = b.ssh.map((x) => parseSsh(x, env));
  if (b.additional_contexts)
    o.buildContexts = parseBuildContexts(Object.entries(b.additional_contexts).map(([k, v]) => `${k}=${v}`));
  if (b.shm_size !== undefined) o.shmSize = b.shm_size;
  if (b.ulimits) {
    o.ulimits = Object.entries(b.ulimits).map(([name, u]) =>
      typeof u === "number" ? { name, soft: u, hard: u } : { name, ...u },
    );
  }
  if (b.no_cache) o.noCache = true;
  if (b.pull) o.pull = true;
  if (b.secrets?.length) {
    o.secrets = b.secrets.map((id) => {
      const sec = p.secrets?.[id];
      if (!sec)
        throw new WharfError("not-found", `secret "${id}" not found`, {
          hint: `define ${id} under the top-level secrets:`,
        });
      if (sec.file !== undefined) return { id, file: sec.file };
      if (sec.environment !== undefined) return { id, env: sec.environment };
      throw new WharfError("unsupported", `${where}.secrets: secret "${id}" has no file: or environment:`, {
        hint: "a build secret is read from a file or a variable",
      });
    });
  }
  if (b.dockerfile_inline !== undefined) {
    o.file = "-";
    o.stdin = Readable.from([Buffer.from(b.dockerfile_inline)]);
  }
  const platforms = b.platforms?.length ? b.platforms : s.platform ? [s.platform] : [];
  if (platforms.length > 0) o.platforms = platforms;
  return o;
}
