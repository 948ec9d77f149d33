import type { AccessRule, Action } from "../auth/index.js";
import { isObject } from "./tree.js";
import { invalid } from "./validate.js";

const ACTIONS = new Set(["pull", "push", "delete", "*"]);
const RULE_KEYS = new Set(["account", "anonymous", "repository", "registry", "actions"]);

/**
 * Reads `wharf.access`: a list of `{account | anonymous: true, repository: GLOB | registry: catalog,
 * actions: [pull, push, delete, "*"]}`.
 */
export function parseAccessRules(list: unknown[]): AccessRule[] {
  return list.map((item, i) => {
    const at = (k?: string) => `wharf.access[${i}]${k ? `.${k}` : ""}`;
    if (!isObject(item)) throw invalid(at(), "expected a mapping");
    for (const k of Object.keys(item)) if (!RULE_KEYS.has(k)) throw invalid(at(k), "unknown setting");
    const { account, anonymous, repository, registry, actions } = item;
    if ((account === undefined) === (anonymous !== true)) {
      throw invalid(at(), 'give exactly one of account (a name or "*") and anonymous: true');
    }
    if (account !== undefined && (typeof account !== "string" || account === "")) {
      throw invalid(at("account"), 'expected an account name or "*"');
    }
    if ((repository === undefined) === (registry === undefined)) {
      throw invalid(at(), "give exactly one of repository (a glob) and registry (catalog)");
    }
    if (registry !== undefined && registry !== "catalog")
      throw invalid(at("registry"), "only catalog exists");
    if (repository !== undefined && (typeof repository !== "string" || repository === "")) {
      throw invalid(at("repository"), "expected a repository name or glob");
    }
    if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => ACTIONS.has(String(a)))) {
      throw invalid(at("actions"), 'expected a list of pull, push, delete or "*"');
    }
    const rule: AccessRule = {
      type: registry !== undefined ? "registry" : "repository",
      name: (registry ?? repository) as string,
      actions: actions.map(String) as Action[],
    };
    if (anonymous === true) rule.anonymous = true;
    else rule.account = account as string;
    return rule;
  });
}
