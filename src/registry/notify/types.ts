/** Distribution's `notifications:` settings, resolved (defaults filled in). */
export interface EndpointSettings {
  name: string;
  url: string;
  /** Extra request headers; a list of values each (`headers: {X-A: [one, two]}`). */
  headers: Record<string, string[]>;
  /** One delivery attempt's bound (default 1 s). */
  timeoutMs: number;
  /** Consecutive failures after which each retry waits `backoffMs` (default 10). */
  threshold: number;
  /** Wait between retries once `threshold` is reached (default 1 s). */
  backoffMs: number;
  /** Events whose target has one of these media types are not sent (`ignoredmediatypes`, `ignore.mediatypes`). */
  ignoredMediaTypes: string[];
  /** Events with one of these actions are not sent (`ignore.actions`). */
  ignoredActions: string[];
}

export interface NotifySettings {
  /** `events.includereferences`: manifest events list the descriptors the manifest references. */
  includeReferences: boolean;
  /** The enabled endpoints (`disabled: true` ones are left out). */
  endpoints: EndpointSettings[];
}

export type Action = "push" | "pull" | "mount" | "delete";

export interface Descriptor {
  mediaType?: string;
  size?: number;
  digest?: string;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Record<string, unknown>;
}

/** What a handler reports after a successful operation; the notifier adds the request's facts. */
export type Occurrence =
  | { action: "push" | "pull"; kind: "blob"; repository: string; digest: string; size: number }
  | { action: "mount"; kind: "blob"; repository: string; from: string; digest: string; size: number }
  | {
      action: "push" | "pull";
      kind: "manifest";
      repository: string;
      digest: string;
      mediaType: string;
      body: Buffer;
      tag?: string;
    }
  | { action: "delete"; kind: "blob" | "manifest"; repository: string; digest: string }
  | { action: "delete"; kind: "tag"; repository: string; tag: string };

export interface EventTarget extends Descriptor {
  length?: number;
  repository: string;
  fromRepository?: string;
  url?: string;
  tag?: string;
  references?: Descriptor[];
}

/** One event of an envelope, in Distribution's JSON shape. */
export interface Event {
  id: string;
  timestamp: string;
  action: Action;
  target: EventTarget;
  request: { id: string; addr: string; host: string; method: string; useragent: string };
  actor: { name?: string };
  source: { addr: string; instanceID: string };
}

/** The request an event came from, as the registry saw it. */
export interface RequestFacts {
  id: string;
  addr: string;
  host: string;
  method: string;
  useragent: string;
  /** `https` when the request came over TLS (or `X-Forwarded-Proto` says so). */
  scheme: string;
  user?: string;
}

export const ENVELOPE_TYPE = "application/vnd.docker.distribution.events.v1+json";
