import type { ContainerConfig, HealthConfig } from "../oci/index.js";
import type { Images } from "./images.js";
import { platformView } from "./platform-view.js";
import { resolveImage } from "./resolve.js";
import { imageSize, lastTagTime, loadDocs, repoNames, type ViewOptions } from "./view.js";

/** Go's zero time, which Docker prints for unset times. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** `Config` of `docker image inspect`, with Docker's field names and its always-present fields. */
export interface InspectConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  Shell?: string[];
}

/** `docker image inspect` output for one image. */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: InspectConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

/** An image config's `config` in the shape `inspect` shows it (Docker's field set and nulls). */
export function inspectConfig(c: ContainerConfig = {}): InspectConfig {
  return {
    Hostname: "",
    Domainname: "",
    User: c.User ?? "",
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(c.ExposedPorts && Object.keys(c.ExposedPorts).length ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: "",
    Volumes: c.Volumes && Object.keys(c.Volumes).length ? c.Volumes : null,
    WorkingDir: c.WorkingDir ?? "",
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels && Object.keys(c.Labels).length ? c.Labels : null,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Shell?.length ? { Shell: c.Shell } : {}),
  };
}

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** `docker image inspect NAME|ID`: the image in Docker's JSON shape. */
export async function inspectImage(
  images: Images,
  input: string,
  opts: ViewOptions = {},
): Promise<ImageInspect> {
  const found = await resolveImage(images, input);
  const { image: g } = opts.platform
    ? await platformView(images.content, found, opts.platform, input)
    : found;
  const docs = await loadDocs(images.content, g);
  const c = docs.config;
  const names = repoNames(g);
  return {
    Id: g.id,
    RepoTags: names.repoTags,
    RepoDigests: names.repoDigests,
    Parent: "",
    Comment: text(docs.raw.comment),
    Created: c.created ?? ZERO_TIME,
    DockerVersion: text(docs.raw.docker_version),
    Author: c.author ?? "",
    Config: inspectConfig(c.config),
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    ...(c["os.version"] ? { OsVersion: c["os.version"] } : {}),
    Size: await imageSize(docs, opts.layerSize),
    RootFS: { Type: "layers", Layers: [...c.rootfs.diff_ids] },
    Metadata: { LastTagTime: lastTagTime(g) ?? ZERO_TIME },
  };
}
