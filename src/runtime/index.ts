export { type AttachStreams, attachContainer } from "./attach.js";
export { ALL_CAPABILITIES } from "./caps.js";
export { resolveId } from "./catalog.js";
export { warmCgroupLock } from "./cgroup-lock.js";
export { type Controller, controllerAvailable } from "./cgroups.js";
export { type CommitOptions, commitContainer, containerConfig } from "./commit.js";
export { type ContainerTree, openContainerTree } from "./container-fs.js";
export {
  type CopyResult,
  type CopySource,
  containerArchive,
  copyFromContainer,
  copyToContainer,
} from "./cp.js";
export { type CreateOptions, createContainer } from "./create.js";
export {
  type ContainerUsage,
  containerRwBytes,
  containerUsage,
  type VolumeUsage,
  volumeUsage,
} from "./df.js";
export { mergeEnv, resolveCommand } from "./env.js";
export {
  appendEvent,
  containerEvent,
  type EventActor,
  flushEvents,
  type ReadEventsOptions,
  readEvents,
  type WharfEvent,
} from "./events.js";
export { type ExecOptions, execInContainer } from "./exec.js";
export type {
  DeviceMapping,
  HealthConfig,
  HealthState,
  LogOptions,
  RestartPolicy,
  Ulimit,
} from "./extras-types.js";
export { diffContainer, exportContainer } from "./files.js";
export { healthSuffix, mergedHealthcheck } from "./health-config.js";
export {
  type ContainerSummary,
  inspectContainer,
  pruneContainers,
  statusText,
  summarize,
} from "./inspect.js";
export { type AttachOptions, runForeground, startContainer } from "./lifecycle.js";
export { removeLink } from "./link-remove.js";
export { type LogEntry, type LogStream, type ReadLogsOptions, readLogFile } from "./logs.js";
export { checkMounts } from "./mounts.js";
export { ADJECTIVES, generateName, SURNAMES, validateName } from "./names.js";
export { type ConnectOptions, connectNetwork, disconnectNetwork } from "./network/connect.js";
export { type NetworkDefaults, parseNetworkDefaults } from "./network/daemon-net.js";
export { type CreateNetworkOptions, createNetwork, findNetwork } from "./network/networks.js";
export {
  exposedPortsConfig,
  hostConfigNetwork,
  networkNames,
  networkSettings,
  portLines,
  portsText,
  publishedPorts,
} from "./network/settings.js";
export type { NetworkRecord } from "./network/store.js";
export type { EndpointRequest, PortMapping, PortProtocol, PublishSpec } from "./network/types.js";
export { inspectNetwork, listNetworks, pruneNetworks, removeNetwork } from "./network/verbs.js";
export type { NsRunOptions } from "./ns-types.js";
export {
  killContainer,
  normalizeSignal,
  type StopOptions,
  stopContainer,
  type WaitCondition,
  waitContainer,
} from "./ops.js";
export { readLogs } from "./read-logs.js";
export { containersUsing, getContainer, LOST_EXIT_CODE, listContainers, reconcile } from "./reconcile.js";
export { type RemoveOptions, removeContainer } from "./remove.js";
export type { ResourceRunOptions, ThrottleDevice, WeightDevice } from "./resource-types.js";
export { parseRestartPolicy, restartPolicyText } from "./restart.js";
export { parseSeccompProfile, seccompFromProfile } from "./seccomp-profile.js";
export { buildSpec, type ResolvedMount, type RuntimeSpec } from "./spec.js";
export { findInit, INIT_PATH } from "./spec-extras.js";
export { cpuPercent, memUsed, type StatsSample, sampleStats } from "./stats.js";
export { checkSyslogOpts } from "./syslog-opts.js";
export { runTask, type TaskOptions } from "./task.js";
export { type TopResult, topContainer } from "./top.js";
export { trace } from "./trace.js";
export type {
  ContainerRecord,
  ContainerState,
  MountSpec,
  NetworkMode,
  RootfsHandle,
  RunOptions,
  RuntimeContext,
} from "./types.js";
export { resolveUser } from "./user.js";
export {
  pauseContainer,
  renameContainer,
  restartContainer,
  type UpdateOptions,
  unpauseContainer,
  updateContainer,
} from "./verbs.js";
export {
  ANONYMOUS_LABEL,
  type CreateVolumeOptions,
  createVolume,
  inspectVolume,
  listVolumes,
  type PruneVolumesOptions,
  pruneVolumes,
  removeVolume,
  type VolumeInfo,
  volumeDataPath,
  volumeSizes,
  volumeUsers,
} from "./volumes.js";
