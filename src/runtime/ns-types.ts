/**
 * The `run`/`create` options of namespaces, /dev/shm, sysctls, groups and the container's
 * bookkeeping past the basics (types.ts's RunOptions extends this): Docker's `HostConfig` fields
 * `ShmSize`, `PidMode`, `IpcMode`, `UTSMode`, `CgroupnsMode`, `Sysctls`, `GroupAdd`, `Annotations`,
 * `VolumesFrom`, `ContainerIDFile` and `Config.Domainname`. Absent fields are Docker's defaults,
 * so a plain run carries none of them and `asksNs` keeps spec-ns.ts unloaded.
 */

export interface NsRunOptions {
  /** `--shm-size` in bytes (absent: Docker's 64 MiB). */
  shmSize?: number;
  /** `--pid`: `host` or `container:<name|id>` (absent: a namespace of its own). */
  pidMode?: string;
  /**
   * `--ipc`: `shareable`, `host`, `none` or `container:<name|id>` (absent: Docker's `private`, a
   * namespace and a /dev/shm of its own that nobody else may join).
   */
  ipcMode?: string;
  /** `--uts host`: the host's hostname and domain name (absent: its own). */
  utsMode?: string;
  /** `--cgroupns`: `host` or `private` (absent: wharf's default, the host's). */
  cgroupnsMode?: string;
  /** `--sysctl KEY=VALUE`, only the namespaced ones Docker allows. */
  sysctls?: Record<string, string>;
  /** `--group-add`: group names (looked up in the container's /etc/group) or numbers. */
  groupAdd?: string[];
  /** `--domainname`: the NIS domain name of the container's UTS namespace. */
  domainname?: string;
  /** `--annotation KEY=VALUE`: `HostConfig.Annotations`, also the OCI spec's annotations. */
  annotations?: Record<string, string>;
  /** `--volumes-from CONTAINER[:ro|rw]`, as given (the mounts were copied at create). */
  volumesFrom?: string[];
  /**
   * `--link NAME[:ALIAS]` (links.ts): on the default bridge kept as `NAME:ALIAS` by the linked
   * container's name (`HostConfig.Links`); on a user-defined network as given (aliases).
   */
  links?: string[];
  /** `--cidfile`: where the CLI wrote the ID (`HostConfig.ContainerIDFile`). */
  cidFile?: string;
  /**
   * The streams attached: `-a`'s (`stdin`, `stdout`, `stderr`), or none for `run -d` (Docker's
   * `Config.AttachStdin/Stdout/Stderr`). Absent: stdout and stderr, and stdin with `-i`.
   */
  attach?: string[];
}

/** Whether a container asks for anything spec-ns.ts adds to its OCI spec. */
export function asksNs(o: NsRunOptions): boolean {
  return (
    o.shmSize !== undefined ||
    o.pidMode !== undefined ||
    o.ipcMode !== undefined ||
    o.utsMode !== undefined ||
    o.cgroupnsMode !== undefined ||
    o.sysctls !== undefined ||
    o.groupAdd !== undefined ||
    o.domainname !== undefined ||
    o.annotations !== undefined
  );
}
