/**
 * `compose watch`'s decisions, apart from the containers: which rule a changed host path belongs
 * to (its `include` and `ignore`, the build context's `.dockerignore`, editors' temporary files and
 * `.git`, as Compose leaves them out), where it goes in the container, what a batch of changes asks
 * of each service, and the batching of file events over a quiet period.
 */
import { readFileSync } from "node:fs";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import type { ServiceConfig, WatchExec, WatchRule } from "../../compose/index.js";
import {
  createDockerignoreMatcher,
  type DockerignoreMatcher,
  dockerignoreCandidates,
  parseDockerignore,
} from "../../dockerfile/index.js";

/** A rule ready to match: its service, its patterns compiled. */
export interface ActiveRule extends WatchRule {
  service: string;
  /** Index among all the active rules (to run each `exec` once per batch). */
  index: number;
  includes?: DockerignoreMatcher;
  ignores: DockerignoreMatcher;
  /** The build context's `.dockerignore`, and the context it is relative to. */
  dockerignore?: { context: string; matcher: DockerignoreMatcher };
}

/** A changed host path and where it goes in the container (sync actions). */
export interface PathMapping {
  host: string;
  container?: string;
  /** The rule that took it (what it ignores is left out of a directory copied in). */
  rule?: ActiveRule;
}

/**
 * Editors' temporary and backup files (JetBrains, Emacs, Vim, Kate, Go's umask probe): never a
 * change, as Compose's ephemeral matcher has it.
 */
const EPHEMERAL = createDockerignoreMatcher([
  "*___jb_old___",
  "*___jb_tmp___",
  ".#*",
  "#*#",
  "4913",
  "*~",
  ".*.swp",
  ".*.swx",
  ".*.swo",
  ".*.swn",
  ".*.kate-swp",
  "*-go-tmp-umask",
]);

/** `child` is `parent` or below it. */
export function isChild(parent: string, child: string): boolean {
  const r = relative(parent, child);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
}

const slashed = (p: string) => p.split(sep).join("/");

/** The build context's ignore patterns (`<Dockerfile>.dockerignore`, else `.dockerignore`), if any. */
export function loadDockerignore(s: ServiceConfig): ActiveRule["dockerignore"] {
  const b = s.build;
  if (!b) return undefined;
  const dockerfile = b.dockerfile ? resolve(b.context, b.dockerfile) : resolve(b.context, "Dockerfile");
  for (const f of dockerignoreCandidates({ dockerfile, contextDir: b.context })) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    return { context: b.context, matcher: createDockerignoreMatcher(parseDockerignore(text)) };
  }
  return undefined;
}

/** The rules of the services, in their order, ready to match. */
export function activeRules(services: readonly ServiceConfig[]): ActiveRule[] {
  const out: ActiveRule[] = [];
  for (const s of services) {
    const dockerignore = loadDockerignore(s);
    for (const r of s.develop?.watch ?? []) {
      out.push({
        ...r,
        service: s.name,
        index: out.length,
        ignores: createDockerignoreMatcher(r.ignore ?? []),
        ...(r.include?.length ? { includes: createDockerignoreMatcher(r.include) } : {}),
        ...(dockerignore ? { dockerignore } : {}),
      });
    }
  }
  return out;
}

/** Whether `host` is left out by the rule's ignores (its own, `.dockerignore`, editors', `.git`). */
export function ignoredBy(rule: ActiveRule, host: string): boolean {
  const rel = slashed(relative(rule.path, host));
  if (rel !== "" && rule.ignores.matches(rel)) return true;
  if (EPHEMERAL.matches(basename(host))) return true;
  if (slashed(host).split("/").includes(".git")) return true;
  const d = rule.dockerignore;
  if (d && isChild(d.context, host)) {
    const crel = slashed(relative(d.context, host));
    if (crel !== "" && d.matcher.matches(crel)) return true;
  }
  return false;
}

/** Where a change under the rule goes, or undefined when the rule does not take it. */
export function matchRule(rule: ActiveRule, host: string): PathMapping | undefined {
  if (!isChild(rule.path, host)) return undefined;
  const rel = slashed(relative(rule.path, host));
  if (rule.includes && !(rel !== "" && rule.includes.matches(rel))) return undefined;
  if (ignoredBy(rule, host)) return undefined;
  if (rule.target === undefined) return { host, rule };
  const target = rel === "" ? rule.target : `${rule.target.replace(/\/+$/, "")}/${rel}`;
  return { host, container: target, rule };
}

/** What a batch of changes asks of one service. */
export interface ServicePlan {
  sync: PathMapping[];
  restart: boolean;
  rebuild: boolean;
  exec: WatchExec[];
}

/**
 * A batch's work by service, every rule that takes a path acting (as Compose): `rebuild` marks the
 * service, the sync actions list the path, `restart` and `sync+restart` mark a restart, `sync+exec`
 * names its rule's command once however many paths it took.
 */
export function planBatch(rules: readonly ActiveRule[], paths: readonly string[]): Map<string, ServicePlan> {
  const plans = new Map<string, ServicePlan>();
  const execs = new Map<string, Set<number>>();
  const plan = (s: string) => {
    let p = plans.get(s);
    if (!p) {
      p = { sync: [], restart: false, rebuild: false, exec: [] };
      plans.set(s, p);
    }
    return p;
  };
  for (const host of paths) {
    for (const r of rules) {
      const m = matchRule(r, host);
      if (!m) continue;
      const p = plan(r.service);
      if (r.action === "rebuild") p.rebuild = true;
      else if (r.action === "restart") p.restart = true;
      else {
        if (!p.sync.some((x) => x.host === m.host && x.container === m.container)) p.sync.push(m);
        if (r.action === "sync+restart") p.restart = true;
        if (r.action === "sync+exec" && r.exec) {
          const seen = execs.get(r.service) ?? new Set<number>();
          if (!seen.has(r.index)) p.exec.push(r.exec);
          seen.add(r.index);
          execs.set(r.service, seen);
        }
      }
    }
  }
  return plans;
}

/** Compose's quiet period: changes are gathered until none has come for this long. */
export const QUIET_PERIOD_MS = 500;

/**
 * Gathers changed paths (each once) and hands them over as one batch when no change has come for
 * `quietMs` (an editor's save of many files is one batch).
 */
export class Batcher {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly flush: (paths: string[]) => void,
    private readonly quietMs = QUIET_PERIOD_MS,
  ) {}

  add(path: string): void {
    this.pending.add(path);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = [...this.pending];
      this.pending.clear();
      if (batch.length > 0) this.flush(batch);
    }, this.quietMs);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

/** Go's `%q` of a list of strings, as Compose prints service names: `["web" "db"]`. */
export function quoteList(names: readonly string[]): string {
  return `[${names.map((n) => JSON.stringify(n)).join(" ")}]`;
}
