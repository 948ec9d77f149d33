import type { Event } from "./types.js";

/** How a queue delivers and waits; injected so that tests run on a fake clock. */
export interface QueueDeps {
  /** One delivery attempt: resolves on success (a 2xx), rejects on failure or timeout. */
  send(events: Event[]): Promise<void>;
  sleep(ms: number): Promise<void>;
  log(
    level: "warn" | "error" | "info",
    msg: string,
    fields: Record<string, string | number | boolean | undefined>,
  ): void;
}

export interface QueueOptions {
  name: string;
  threshold: number;
  backoffMs: number;
  /** Events held at most; an event arriving at a full queue is dropped (and logged). */
  capacity: number;
}

export interface EndpointQueue {
  /** Queues an event; never blocks. False when the queue was full and the event was dropped. */
  push(event: Event): boolean;
  /** Resolves once every queued event is delivered, or after `ms`; the rest is abandoned. */
  close(ms: number): Promise<void>;
  /** Events waiting (the one being sent included). */
  readonly length: number;
  /** Events dropped so far because the queue was full. */
  readonly dropped: number;
}

/**
 * One endpoint's queue: events are sent one envelope each, in order; a failed send is retried
 * (at once until `threshold` consecutive failures, then every `backoffMs`) until it succeeds or
 * the queue is closed. Bounded by `capacity`: newer events are dropped, older ones kept.
 */
export function createQueue(opts: QueueOptions, deps: QueueDeps): EndpointQueue {
  const items: Event[] = [];
  let running = false;
  let closed = false;
  let dropped = 0;
  let droppedSinceLog = 0;
  let drained: (() => void) | undefined;

  async function run(): Promise<void> {
    running = true;
    let failures = 0;
    while (items.length > 0 && !closed) {
      const event = items[0] as Event;
      try {
        await deps.send([event]);
        items.shift();
        failures = 0;
        if (droppedSinceLog > 0) {
          deps.log("warn", "notification queue had been full: events dropped", {
            endpoint: opts.name,
            dropped: droppedSinceLog,
          });
          droppedSinceLog = 0;
        }
      } catch (e) {
        failures++;
        // At error level, as Distribution logs each failed attempt.
        deps.log("error", "notification delivery failed; retrying", {
          endpoint: opts.name,
          failures,
          err: e instanceof Error ? e.message : String(e),
        });
        if (failures >= opts.threshold && !closed) await deps.sleep(opts.backoffMs);
      }
    }
    running = false;
    drained?.();
  }

  return {
    push(event) {
      if (closed) return false;
      if (items.length >= opts.capacity) {
        dropped++;
        if (droppedSinceLog++ === 0) {
          deps.log("error", "notification queue full: dropping new events until it drains", {
            endpoint: opts.name,
            capacity: opts.capacity,
          });
        }
        return false;
      }
      items.push(event);
      if (!running) void run();
      return true;
    },
    close(ms) {
      const done = new Promise<void>((resolve) => {
        if (!running) resolve();
        else drained = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
        timer.unref();
      });
      return Promise.race([done, limit]).then(() => {
        clearTimeout(timer);
        closed = true;
        if (items.length > 0) {
          deps.log("error", "registry closing: undelivered notifications abandoned", {
            endpoint: opts.name,
            abandoned: items.length,
          });
          items.length = 0;
        }
      });
    },
    get length() {
      return items.length;
    },
    get dropped() {
      return dropped;
    },
  };
}
