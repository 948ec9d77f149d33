/**
 * `inspect`'s `HostConfig` fields of the namespace, /dev/shm, sysctl, group and bookkeeping options
 * (ns-types.ts), with Docker's values when they were not given: `IpcMode` `private`, `ShmSize`
 * 64 MiB, `CgroupnsMode` `host` (wharf makes no cgroup namespace unless asked), `GroupAdd` and
 * `VolumesFrom` and `Links` null, `Sysctls` and `Annotations` left out (Docker's `omitempty`).
 */
import type { NsRunOptions } from "./ns-types.js";

const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/**
 * `Links` as Docker shows them, `/name:/parent/alias`: the default bridge's (and `none`'s) links,
 * kept as `NAME:ALIAS` by create (links.ts); on a user-defined network a link is an alias, not shown.
 */
function linksOf(
  o: NsRunOptions & { network?: string; endpoints?: { network: string }[] },
  name: string,
): string[] | null {
  // The primary network decides (a default-bridge container `network connect`ed elsewhere keeps them).
  const m = o.endpoints?.[0]?.network ?? o.network ?? "default";
  const legacy = m === "default" || m === "bridge" || m === "none";
  if (!legacy || !o.links?.length) return null;
  return o.links.map((l) => {
    const i = l.indexOf(":");
    const [child, alias] = i < 0 ? [l, l] : [l.slice(0, i), l.slice(i + 1)];
    return `/${child}:/${name}/${alias}`;
  });
}

export function hostConfigNs(
  o: NsRunOptions & { network?: string; endpoints?: { network: string }[] },
  name = "",
): Record<string, unknown> {
  return {
    ContainerIDFile: o.cidFile ?? "",
    VolumesFrom: o.volumesFrom ?? null,
    CgroupnsMode: o.cgroupnsMode ?? "host",
    GroupAdd: o.groupAdd ?? null,
    IpcMode: o.ipcMode ?? "private",
    PidMode: o.pidMode ?? "",
    UTSMode: o.utsMode ?? "",
    UsernsMode: "",
    ShmSize: o.shmSize ?? DEFAULT_SHM_SIZE,
    ...(o.sysctls ? { Sysctls: o.sysctls } : {}),
    ...(o.annotations ? { Annotations: o.annotations } : {}),
    Isolation: "",
    VolumeDriver: "",
    Links: linksOf(o, name),
  };
}
