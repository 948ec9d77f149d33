import { intersectActions, unique } from "./scope.js";
import type { Access, Action } from "./types.js";

/**
 * One per-repository access rule from the config (`wharf.access`). A rule applies to one account,
 * to every signed-in account (`account: "*"`), or to clients without credentials (`anonymous: true`),
 * and grants `actions` on the resources whose name matches `name`, a glob where `*` and `?` stay
 * within one path component and `**` crosses them.
 */
export interface AccessRule {
  /** An account name, or `*` for any signed-in account; absent when `anonymous` is set. */
  account?: string;
  anonymous?: boolean;
  type: "repository" | "registry";
  name: string;
  actions: Action[];
}

/** Who asks: an account name, or undefined for a client without credentials. */
export interface Principal {
  account?: string;
}

const globCache = new Map<string, RegExp>();

/** Compiles a repository glob (`team/*`, `mirror/**`, `app-?`) to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const cached = globCache.get(glob);
  if (cached) return cached;
  let src = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      src += ".*";
      i++;
    } else if (c === "*") src += "[^/]*";
    else if (c === "?") src += "[^/]";
    else src += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  const re = new RegExp(`^${src}$`);
  globCache.set(glob, re);
  return re;
}

function ruleApplies(rule: AccessRule, who: Principal): boolean {
  if (rule.anonymous) return who.account === undefined;
  if (who.account === undefined) return false;
  return rule.account === "*" || rule.account === who.account;
}

/** Every action the rules grant `who` on one resource (the union over the matching rules). */
export function grantedActions(
  rules: readonly AccessRule[],
  who: Principal,
  type: string,
  name: string,
): Action[] {
  const out: Action[] = [];
  for (const rule of rules) {
    if (rule.type === type && ruleApplies(rule, who) && globToRegExp(rule.name).test(name)) {
      out.push(...rule.actions);
    }
  }
  return unique(out);
}

/** Every action a repository has: what Docker's `repository:NAME:*` scope asks for. */
export const REPOSITORY_ACTIONS: readonly Action[] = ["pull", "push", "delete"];

/**
 * The actions a request names, with `*` on a repository read as every repository action, so that the
 * token lists what it grants by name (Distribution's token docs: the `access` entry's `actions`).
 * On a `registry` resource (`registry:catalog:*`) `*` is that resource's one action and stays.
 */
function wantedActions(a: Access): Action[] {
  if (a.type !== "repository" || !a.actions.includes("*")) return a.actions;
  return unique([...a.actions.filter((x) => x !== "*"), ...REPOSITORY_ACTIONS]);
}

/**
 * The part of each requested access that the rules allow. Without rules (undefined), a signed-in
 * account gets everything it asks for and an anonymous client gets `pull` only.
 */
export function grant(
  rules: readonly AccessRule[] | undefined,
  who: Principal,
  wanted: readonly Access[],
): Access[] {
  return wanted.map((a) => {
    const allowed: string[] =
      rules === undefined
        ? who.account === undefined
          ? ["pull"]
          : ["*"]
        : grantedActions(rules, who, a.type, a.name);
    return { type: a.type, name: a.name, actions: intersectActions(wantedActions(a), allowed) };
  });
}
