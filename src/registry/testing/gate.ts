import type { StorageDriver } from "../driver/types.js";

type Op = "putContent" | "delete" | "list" | "getContent" | "stat" | "move";

/**
 * A driver over `inner` that holds the first operation matching `op` and `path` until released
 * (`arrived` settles when it is reached), and notes every operation in `seen` so that a test can
 * wait until the other side has reached a step (`reached`).
 */
export function gate(inner: StorageDriver, op?: Op, path?: string | ((p: string) => boolean)) {
  let release: () => void = () => {};
  let reach: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  const arrived = new Promise<void>((r) => {
    reach = r;
  });
  let armed = op !== undefined;
  const waiters: { op: Op; path: string; resolve: () => void }[] = [];
  const matches = (p: string) => (typeof path === "function" ? path(p) : p === path);
  const hold = async (o: Op, p: string) => {
    for (const w of waiters.splice(0)) {
      if (w.op === o && w.path === p) w.resolve();
      else waiters.push(w);
    }
    if (armed && o === op && matches(p)) {
      armed = false;
      reach();
      await held;
    }
  };
  const driver: StorageDriver = {
    ...inner,
    async putContent(p, c, o) {
      await hold("putContent", p);
      return inner.putContent(p, c, o);
    },
    async delete(p) {
      await hold("delete", p);
      return inner.delete(p);
    },
    async list(...args: Parameters<StorageDriver["list"]>) {
      await hold("list", args[0]);
      return inner.list(...args);
    },
    async getContent(p) {
      await hold("getContent", p);
      return inner.getContent(p);
    },
    async stat(p) {
      await hold("stat", p);
      return inner.stat(p);
    },
    async move(a, b) {
      await hold("move", a);
      return inner.move(a, b);
    },
  };
  /** Settles when this driver is next asked to do `o` on `p`. */
  const reached = (o: Op, p: string) =>
    new Promise<void>((resolve) => {
      waiters.push({ op: o, path: p, resolve });
    });
  return { driver, arrived, release, reached };
}
