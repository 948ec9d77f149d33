import { isAbsolute, resolve } from "node:path";
import { WharfError } from "../errors/index.js";
import { checkKeys, invalidFile, invalidProject, isMap, mustBe } from "./schema.js";

/** What Compose does when a watched path changes (`develop.watch[].action`). */
export type WatchAction = "rebuild" | "sync" | "restart" | "sync+restart" | "sync+exec";
export const WATCH_ACTIONS: readonly WatchAction[] = [
  "rebuild",
  "sync",
  "restart",
  "sync+restart",
  "sync+exec",
];

/** `exec:` of a `sync+exec` rule (Compose's service hook). */
export interface WatchExec {
  command: string[];
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string>;
}

/** One `develop.watch` rule, its keys in Compose's order (as `config` prints them). */
export interface WatchRule {
  /** Absolute (written relative to the project's directory). */
  path: string;
  action: WatchAction;
  /** Where `path` goes in the container (the sync actions). */
  target?: string;
  exec?: WatchExec;
  /** Patterns (`.dockerignore` syntax) relative to `path`: only these changes count. */
  include?: string[];
  /** Patterns (`.dockerignore` syntax) relative to `path`: these changes are left out. */
  ignore?: string[];
  /** Sync the files of `path` into the container when watching starts. */
  initial_sync?: boolean;
}

export interface DevelopConfig {
  watch?: WatchRule[];
}

const DEVELOP_KEYS = new Set(["watch"]);
const RULE_KEYS = new Set(["path", "action", "target", "exec", "include", "ignore", "initial_sync"]);
const EXEC_KEYS = new Set(["command", "user", "privileged", "working_dir", "environment"]);

function str(file: string, where: string, v: unknown): string {
  if (typeof v !== "string") throw mustBe(file, where, "string");
  return v;
}

function strings(file: string, where: string, v: unknown): string[] {
  if (!Array.isArray(v)) throw mustBe(file, where, "array");
  return v.map((x, i) => str(file, `${where}.${i}`, x));
}

/** A hook's keys (`sync+exec`'s `exec:`, a service's `post_start`/`pre_stop` entries), as Compose reads them. */
export function execHook(file: string, where: string, v: unknown): WatchExec {
  if (!isMap(v)) throw mustBe(file, where, "object");
  checkKeys(file, where, v, EXEC_KEYS);
  if (v.command === undefined) throw invalidFile(file, `${where} missing property 'command'`);
  const command =
    typeof v.command === "string"
      ? v.command.split(/\s+/).filter(Boolean)
      : strings(file, `${where}.command`, v.command);
  const x: WatchExec = { command };
  if (v.user !== undefined) x.user = str(file, `${where}.user`, v.user);
  if (v.privileged !== undefined) {
    if (typeof v.privileged !== "boolean") throw mustBe(file, `${where}.privileged`, "boolean");
    x.privileged = v.privileged;
  }
  if (v.working_dir !== undefined) x.working_dir = str(file, `${where}.working_dir`, v.working_dir);
  if (v.environment !== undefined) {
    const e = v.environment;
    const env: Record<string, string> = {};
    if (Array.isArray(e)) {
      for (const [i, item] of e.entries()) {
        const s = str(file, `${where}.environment.${i}`, item);
        const eq = s.indexOf("=");
        env[eq === -1 ? s : s.slice(0, eq)] = eq === -1 ? "" : s.slice(eq + 1);
      }
    } else if (isMap(e)) {
      for (const [k, val] of Object.entries(e)) env[k] = val === null ? "" : String(val);
    } else throw mustBe(file, `${where}.environment`, "object");
    x.environment = env;
  }
  return x;
}

/**
 * A service's `develop:` section as Compose reads it: `watch` rules with `path` (made absolute
 * against the project's directory) and `action` required, the sync actions needing a `target`
 * (compose-go's words), `sync+exec` an `exec.command`.
 */
export function developConfig(
  file: string,
  service: string,
  raw: unknown,
  dir: string,
): DevelopConfig | undefined {
  const where = `services.${service}.develop`;
  if (raw === null) return undefined;
  if (!isMap(raw)) throw mustBe(file, where, "object");
  checkKeys(file, where, raw, DEVELOP_KEYS);
  if (raw.watch === undefined || raw.watch === null) return {};
  if (!Array.isArray(raw.watch)) throw mustBe(file, `${where}.watch`, "array");
  const watch = raw.watch.map((r, i): WatchRule => {
    const w = `${where}.watch.${i}`;
    if (!isMap(r)) throw mustBe(file, w, "object");
    checkKeys(file, w, r, RULE_KEYS);
    if (r.path === undefined) throw invalidFile(file, `${w} missing property 'path'`);
    if (r.action === undefined) throw invalidFile(file, `${w} missing property 'action'`);
    const path = str(file, `${w}.path`, r.path);
    const action = str(file, `${w}.action`, r.action) as WatchAction;
    if (!WATCH_ACTIONS.includes(action)) {
      throw invalidFile(
        file,
        `${w}.action must be one of the following: ${WATCH_ACTIONS.map((a) => `"${a}"`).join(", ")}`,
      );
    }
    const rule: WatchRule = { path: isAbsolute(path) ? resolve(path) : resolve(dir, path), action };
    if (r.target !== undefined) rule.target = str(file, `${w}.target`, r.target);
    if (r.exec !== undefined) rule.exec = execHook(file, `${w}.exec`, r.exec);
    if (r.include !== undefined) rule.include = strings(file, `${w}.include`, r.include);
    if (r.ignore !== undefined) rule.ignore = strings(file, `${w}.ignore`, r.ignore);
    if (r.initial_sync !== undefined) {
      if (typeof r.initial_sync !== "boolean") throw mustBe(file, `${w}.initial_sync`, "boolean");
      rule.initial_sync = r.initial_sync;
    }
    if (action !== "rebuild" && action !== "restart" && !rule.target) {
      throw invalidProject(
        `services.${service}.develop.watch: target is required for non-rebuild actions`,
        `give the ${action} rule a target: (where ${path} goes in the container)`,
      );
    }
    if (action === "sync+exec" && !rule.exec?.command.length) {
      throw new WharfError(
        "invalid-argument",
        `can't watch with action "sync+exec" on service ${service} without a command`,
        { hint: "give the rule exec: {command: [...]}" },
      );
    }
    return rule;
  });
  return { watch };
}
