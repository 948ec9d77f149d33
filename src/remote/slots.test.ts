import { describe, expect, it } from "vitest";
import { slots } from "./slots.js";

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("slots", () => {
  it("grants at most n at once, in call order, and a release counts once", async () => {
    const s = slots(2);
    const order: number[] = [];
    const a = await s.acquire();
    const b = await s.acquire();
    const c = s.acquire().then((r) => {
      order.push(3);
      return r;
    });
    const d = s.acquire().then((r) => {
      order.push(4);
      return r;
    });
    await tick();
    expect(order).toEqual([]);
    a();
    a(); // a second release of the same slot frees nothing more
    await tick();
    expect(order).toEqual([3]);
    b();
    await tick();
    expect(order).toEqual([3, 4]);
    (await c)();
    (await d)();
    const e = s.acquire();
    const f = s.acquire();
    const g = s.acquire().then(() => "third");
    await Promise.all([e, f]);
    expect(await Promise.race([g, tick().then(() => "waiting")])).toBe("waiting");
  });
});
