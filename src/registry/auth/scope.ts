import type { Access, Action } from "./types.js";

const ACTIONS: ReadonlySet<string> = new Set(["pull", "push", "delete", "*"]);

/**
 * Parses Docker token scopes: `repository:library/alpine:pull,push`, `registry:catalog:*`. One string
 * may hold several scopes separated by spaces (the OAuth2 form); the resource name may contain colons
 * (`repository:host:5000/name:pull`), so the type ends at the first colon and the actions start after
 * the last. Unknown actions are dropped; unknown types and malformed scopes are skipped.
 */
export function parseScopes(text: string): Access[] {
  const out: Access[] = [];
  for (const part of text.split(" ")) {
    const first = part.indexOf(":");
    const last = part.lastIndexOf(":");
    if (first <= 0 || last === first) continue;
    const rawType = part.slice(0, first);
    // `repository(plugin)` is Docker's class suffix; the class does not change what is granted.
    const type = rawType.replace(/\([a-z0-9]+\)$/, "");
    if (type !== "repository" && type !== "registry") continue;
    const name = part.slice(first + 1, last);
    if (name === "") continue;
    const actions = part
      .slice(last + 1)
      .split(",")
      .filter((a): a is Action => ACTIONS.has(a));
    out.push({ type, name, actions: unique(actions) });
  }
  return out;
}

/** `repository:<name>:pull,push`, the form of the Bearer challenge's `scope` and of token requests. */
export function formatScope(a: Access): string {
  return `${a.type}:${a.name}:${a.actions.join(",")}`;
}

export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** True when a grant of `granted` actions allows `wanted` (`*` in a grant allows every action). */
export function actionAllowed(granted: readonly string[], wanted: string): boolean {
  return granted.includes("*") || granted.includes(wanted);
}

/**
 * What remains of `wanted` after `granted`: `*` is granted only where `*` is allowed; a grant of `*`
 * allows each named action.
 */
export function intersectActions(wanted: readonly Action[], granted: readonly string[]): Action[] {
  return wanted.filter((a) => (a === "*" ? granted.includes("*") : actionAllowed(granted, a)));
}

/** True when every access in `needed` is covered by one of `grants` (same type and name). */
export function covers(grants: readonly Access[], needed: readonly Access[]): boolean {
  return needed.every((n) =>
    n.actions.every((action) =>
      grants.some((g) => g.type === n.type && g.name === n.name && actionAllowed(g.actions, action)),
    ),
  );
}

/** The access list merged by resource, so a challenge names each repository once. */
export function mergeAccess(list: readonly Access[]): Access[] {
  const byKey = new Map<string, Access>();
  for (const a of list) {
    const key = `${a.type}:${a.name}`;
    const seen = byKey.get(key);
    if (seen) seen.actions = unique([...seen.actions, ...a.actions]);
    else byKey.set(key, { type: a.type, name: a.name, actions: [...a.actions] });
  }
  return [...byKey.values()];
}
