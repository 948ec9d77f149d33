import { describe, expect, it } from "vitest";
import { configHash } from "./hash.js";
import { startOrder, withDependencies } from "./order.js";
import type { ServiceConfig } from "./types.js";

const svc = (name: string, deps: string[] = []): ServiceConfig => ({
  name,
  image: "busybox",
  networks: { default: null },
  ...(deps.length
    ? {
        depends_on: Object.fromEntries(
          deps.map((d) => [d, { condition: "service_started" as const, required: true }]),
        ),
      }
    : {}),
});

describe("startOrder", () => {
  it("starts dependencies first, otherwise keeps the file's order", () => {
    const order = startOrder([svc("web", ["db", "cache"]), svc("db"), svc("cache", ["db"]), svc("other")]);
    expect(order.map((s) => s.name)).toEqual(["db", "cache", "web", "other"]);
  });
  it("refuses a cycle in Compose's words", () => {
    expect(() => startOrder([svc("a", ["b"]), svc("b", ["c"]), svc("c", ["a"])])).toThrow(
      "dependency cycle detected: a -> b -> c -> a",
    );
  });
});

describe("withDependencies", () => {
  it("adds what the named services depend on, transitively", () => {
    const all = [svc("web", ["api"]), svc("api", ["db"]), svc("db"), svc("other")];
    expect(withDependencies(all, ["web"]).map((s) => s.name)).toEqual(["web", "api", "db"]);
    expect(withDependencies(all, []).length).toBe(4);
    expect(() => withDependencies(all, ["nope"])).toThrow("no such service: nope");
  });
});

describe("configHash", () => {
  it("is stable under key order and changes with the config", () => {
    const a = { ...svc("web"), environment: { A: "1", B: "2" } };
    const b = { ...svc("web"), environment: { B: "2", A: "1" } };
    expect(configHash(a)).toBe(configHash(b));
    expect(configHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(configHash({ ...a, environment: { A: "1", B: "3" } })).not.toBe(configHash(a));
    // The build and depends_on do not change the container (the image ID is compared apart).
    expect(configHash({ ...a, build: { context: "/x" } })).toBe(configHash(a));
  });
});
