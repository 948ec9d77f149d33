import { describe, expect, it } from "vitest";
import { globToRegExp, grant } from "./rules.js";
import { covers, formatScope, intersectActions, mergeAccess, parseScopes } from "./scope.js";

describe("scopes", () => {
  it("parses repository and registry scopes, several per string, names with colons", () => {
    expect(parseScopes("repository:library/alpine:pull,push registry:catalog:*")).toEqual([
      { type: "repository", name: "library/alpine", actions: ["pull", "push"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
    expect(parseScopes("repository:host.test:5000/a:pull")).toEqual([
      { type: "repository", name: "host.test:5000/a", actions: ["pull"] },
    ]);
    expect(parseScopes("repository(plugin):a/b:pull")).toEqual([
      { type: "repository", name: "a/b", actions: ["pull"] },
    ]);
  });

  it("skips malformed scopes and unknown actions and types", () => {
    expect(parseScopes("repository:a")).toEqual([]);
    expect(parseScopes("weird:a:pull")).toEqual([]);
    expect(parseScopes("repository:a:pull,fly,pull")).toEqual([
      { type: "repository", name: "a", actions: ["pull"] },
    ]);
  });

  it("formats a scope as Docker's challenge does", () => {
    expect(formatScope({ type: "repository", name: "a/b", actions: ["pull", "push"] })).toBe(
      "repository:a/b:pull,push",
    );
  });

  it("intersects actions, treating * in a grant as every action", () => {
    expect(intersectActions(["pull", "push"], ["pull"])).toEqual(["pull"]);
    expect(intersectActions(["pull", "delete"], ["*"])).toEqual(["pull", "delete"]);
    expect(intersectActions(["*"], ["pull", "push"])).toEqual([]);
    expect(intersectActions(["*"], ["*"])).toEqual(["*"]);
  });

  it("checks that grants cover what is needed, resource by resource", () => {
    const grants = parseScopes("repository:a:pull repository:b:pull,push");
    expect(covers(grants, parseScopes("repository:a:pull"))).toBe(true);
    expect(covers(grants, parseScopes("repository:a:push"))).toBe(false);
    expect(covers(grants, parseScopes("repository:b:push repository:a:pull"))).toBe(true);
    expect(covers(grants, parseScopes("repository:c:pull"))).toBe(false);
    expect(covers(grants, [])).toBe(true);
    expect(covers(parseScopes("registry:catalog:*"), parseScopes("registry:catalog:*"))).toBe(true);
  });

  it("merges access by resource", () => {
    expect(mergeAccess(parseScopes("repository:a:pull repository:b:pull repository:a:push"))).toEqual([
      { type: "repository", name: "a", actions: ["pull", "push"] },
      { type: "repository", name: "b", actions: ["pull"] },
    ]);
  });
});

describe("access rules", () => {
  it("compiles globs: * and ? within a component, ** across", () => {
    expect(globToRegExp("team/*").test("team/app")).toBe(true);
    expect(globToRegExp("team/*").test("team/app/sub")).toBe(false);
    expect(globToRegExp("team/**").test("team/app/sub")).toBe(true);
    expect(globToRegExp("app-?").test("app-1")).toBe(true);
    expect(globToRegExp("a.b").test("aXb")).toBe(false);
  });

  const rules = [
    {
      account: "alice",
      type: "repository" as const,
      name: "alice/**",
      actions: ["pull" as const, "push" as const],
    },
    { account: "*", type: "repository" as const, name: "public/*", actions: ["pull" as const] },
    { anonymous: true, type: "repository" as const, name: "open/*", actions: ["pull" as const] },
    { account: "admin", type: "registry" as const, name: "catalog", actions: ["*" as const] },
  ];

  it("grants only the intersection of the request and the matching rules", () => {
    const wanted = parseScopes("repository:alice/x/y:pull,push,delete repository:public/p:pull,push");
    expect(grant(rules, { account: "alice" }, wanted)).toEqual([
      { type: "repository", name: "alice/x/y", actions: ["pull", "push"] },
      { type: "repository", name: "public/p", actions: ["pull"] },
    ]);
    expect(grant(rules, { account: "bob" }, wanted)).toEqual([
      { type: "repository", name: "alice/x/y", actions: [] },
      { type: "repository", name: "public/p", actions: ["pull"] },
    ]);
  });

  it("keeps anonymous rules for clients without credentials, and * for signed-in ones", () => {
    const wanted = parseScopes("repository:open/o:pull repository:public/p:pull");
    expect(grant(rules, {}, wanted).map((a) => a.actions)).toEqual([["pull"], []]);
    expect(grant(rules, { account: "bob" }, wanted).map((a) => a.actions)).toEqual([[], ["pull"]]);
    expect(grant(rules, { account: "admin" }, parseScopes("registry:catalog:*"))[0]?.actions).toEqual(["*"]);
  });

  it("reads repository:NAME:* as every repository action and grants the allowed ones", () => {
    const all = parseScopes("repository:alice/app:*");
    expect(grant(rules, { account: "alice" }, all)).toEqual([
      { type: "repository", name: "alice/app", actions: ["pull", "push"] },
    ]);
    expect(grant(rules, { account: "bob" }, parseScopes("repository:public/p:*"))[0]?.actions).toEqual([
      "pull",
    ]);
    expect(grant(rules, { account: "bob" }, all)[0]?.actions).toEqual([]);
    expect(grant(undefined, { account: "x" }, all)[0]?.actions).toEqual(["pull", "push", "delete"]);
    expect(grant(undefined, {}, all)[0]?.actions).toEqual(["pull"]);
    const star = [{ account: "root", type: "repository" as const, name: "**", actions: ["*" as const] }];
    expect(grant(star, { account: "root" }, all)[0]?.actions).toEqual(["pull", "push", "delete"]);
    // `*` of a registry resource is that resource's one action, not a wildcard.
    expect(grant(rules, { account: "alice" }, parseScopes("registry:catalog:*"))[0]?.actions).toEqual([]);
  });

  it("without rules grants signed-in accounts everything and anonymous clients pull", () => {
    const wanted = parseScopes("repository:a:pull,push,delete");
    expect(grant(undefined, { account: "x" }, wanted)[0]?.actions).toEqual(["pull", "push", "delete"]);
    expect(grant(undefined, {}, wanted)[0]?.actions).toEqual(["pull"]);
  });
});
