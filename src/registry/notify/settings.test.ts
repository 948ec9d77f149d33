import { describe, expect, it } from "vitest";
import { resolveNotifications } from "./settings.js";

describe("resolveNotifications", () => {
  it("fills Distribution's defaults and merges both ignore lists", () => {
    const s = resolveNotifications({
      notifications: {
        events: { includereferences: true },
        endpoints: [
          {
            name: "ci",
            url: "https://ci.example/hook",
            headers: { Authorization: ["Bearer x"], "X-One": "y" },
            ignoredmediatypes: ["application/octet-stream"],
            ignore: { mediatypes: ["text/plain"], actions: ["pull"] },
          },
          { name: "off", url: "http://off.example/", disabled: true },
          { name: "slow", url: "http://slow.example/", timeout: "250ms", threshold: 3, backoff: "2s" },
        ],
      },
    });
    expect(s).toEqual({
      includeReferences: true,
      endpoints: [
        {
          name: "ci",
          url: "https://ci.example/hook",
          headers: { Authorization: ["Bearer x"], "X-One": ["y"] },
          timeoutMs: 1000,
          threshold: 10,
          backoffMs: 1000,
          ignoredMediaTypes: ["application/octet-stream", "text/plain"],
          ignoredActions: ["pull"],
        },
        {
          name: "slow",
          url: "http://slow.example/",
          headers: {},
          timeoutMs: 250,
          threshold: 3,
          backoffMs: 2000,
          ignoredMediaTypes: [],
          ignoredActions: [],
        },
      ],
    });
  });

  it("is undefined without endpoints or with every endpoint disabled", () => {
    expect(resolveNotifications({})).toBeUndefined();
    expect(resolveNotifications({ notifications: { events: { includereferences: true } } })).toBeUndefined();
    expect(
      resolveNotifications({
        notifications: { endpoints: [{ name: "a", url: "http://a/", disabled: true }] },
      }),
    ).toBeUndefined();
  });

  it("refuses a bad duration with the key", () => {
    expect(() =>
      resolveNotifications({
        notifications: { endpoints: [{ name: "a", url: "http://a/", timeout: "soon" }] },
      }),
    ).toThrow(/notifications\.endpoints\[0\]\.timeout/);
  });
});
