import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { buildEvent, requestFacts } from "./events.js";
import { createQueue, type EndpointQueue, type QueueDeps } from "./queue.js";
import { postEnvelope } from "./send.js";
import type { EndpointSettings, Event, NotifySettings, Occurrence, RequestFacts } from "./types.js";

export type NotifyLog = QueueDeps["log"];

export interface NotifierOptions {
  /** `source.addr`: the registry's host name and port (asked at the first event: known once listening). */
  sourceAddr: () => string;
  log?: NotifyLog;
  /** How long `flush` delivers what is queued at most (default 5000). */
  flushMs?: number;
  /** Events held per endpoint at most (default 10000). */
  capacity?: number;
  /** Replaces the HTTP sender (tests). */
  send?: (endpoint: EndpointSettings, events: Event[]) => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

/** The registry's notify hook (`RegistryOptions.notify`). */
export interface Notifier {
  /** Builds the occurrence's event and queues it for every endpoint that does not ignore it. */
  event(o: Occurrence, req: IncomingMessage, user: string | undefined): void;
  /** The same from request facts already taken. */
  eventFrom(o: Occurrence, req: RequestFacts): void;
  /** Delivers what is queued for at most `flushMs` (default 5 s), then stops. */
  flush(): Promise<void>;
}

export const DEFAULT_CAPACITY = 10_000;

const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Distribution's notification broadcaster: one queue per endpoint, nothing blocks the caller. */
export function createNotifier(settings: NotifySettings, opts: NotifierOptions): Notifier {
  const instanceID = randomUUID();
  let source: { addr: string; instanceID: string } | undefined;
  const seen = new WeakMap<IncomingMessage, RequestFacts>();
  const log: NotifyLog = opts.log ?? (() => undefined);
  const queues: { endpoint: EndpointSettings; queue: EndpointQueue }[] = settings.endpoints.map(
    (endpoint) => ({
      endpoint,
      queue: createQueue(
        {
          name: endpoint.name,
          threshold: endpoint.threshold,
          backoffMs: endpoint.backoffMs,
          capacity: opts.capacity ?? DEFAULT_CAPACITY,
        },
        {
          send: (events) =>
            opts.send
              ? opts.send(endpoint, events)
              : postEnvelope(endpoint.url, endpoint.headers, events, endpoint.timeoutMs),
          sleep: opts.sleep ?? realSleep,
          log,
        },
      ),
    }),
  );
  const eventFrom = (o: Occurrence, req: RequestFacts): void => {
    if (queues.length === 0) return;
    source ??= { addr: opts.sourceAddr(), instanceID };
    const event = buildEvent(o, req, source, { includeReferences: settings.includeReferences });
    for (const { endpoint, queue } of queues) {
      if (endpoint.ignoredActions.includes(event.action)) continue;
      const type = event.target.mediaType;
      if (type !== undefined && endpoint.ignoredMediaTypes.includes(type)) continue;
      queue.push(event);
    }
  };
  return {
    event: (o, req, user) => {
      if (queues.length === 0) return;
      // Every event of one request (a manifest delete and its tags') carries the same request id.
      let facts = seen.get(req);
      if (!facts) {
        facts = requestFacts(req, user);
        seen.set(req, facts);
      }
      eventFrom(o, facts);
    },
    eventFrom,
    async flush() {
      await Promise.all(queues.map(({ queue }) => queue.close(opts.flushMs ?? 5000)));
    },
  };
}
