/**
 * `inspect`'s `HostConfig` fields of the namespace, /dev/shm, sysctl, group and bookkeeping options
 * (ns-types.ts), with Docker's values when they were not given: `IpcMode` `private`, `ShmSize`
 * 64 MiB, `CgroupnsMode` `host` (wharf makes no cgroup namespace unless asked), `GroupAdd` and
 * `VolumesFrom` null, `Sysctls` and `Annotations` left out (Docker's `omitempty`).
 */
import type { NsRunOptions } from "./ns-types.js";

const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export function hostConfigNs(o: NsRunOptions): Record<string, unknown> {
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
    Links: null,
  };
}
