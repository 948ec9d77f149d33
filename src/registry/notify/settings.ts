import { getPath, isObject, parseDuration, type Tree } from "../config/tree.js";
import { invalid } from "../config/validate.js";
import type { EndpointSettings, NotifySettings } from "./types.js";

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];

function duration(v: unknown, key: string, fallback: number): number {
  if (v === undefined || v === null || v === "") return fallback;
  const ms = parseDuration(v);
  if (ms === undefined || ms < 0)
    throw invalid(key, `expected a duration, got ${JSON.stringify(v)}`, "e.g. 1s or 500ms");
  // Distribution: zero or less means the default.
  return ms === 0 ? fallback : ms;
}

function endpoint(v: unknown, i: number): EndpointSettings | undefined {
  const key = `notifications.endpoints[${i}]`;
  if (!isObject(v))
    throw invalid(
      key,
      "expected a mapping with name and url",
      "e.g. - name: ci\\n  url: http://ci.example/hook",
    );
  if (v.disabled === true || v.disabled === "true") return undefined;
  const name = v.name === undefined ? "" : String(v.name);
  const url = v.url === undefined ? "" : String(v.url);
  if (!name) throw invalid(`${key}.name`, "missing", "every endpoint needs a name");
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:"))
    throw invalid(
      `${key}.url`,
      `expected an http or https URL, got ${JSON.stringify(url)}`,
      "e.g. http://ci.example/hook",
    );
  const headers: Record<string, string[]> = {};
  if (isObject(v.headers)) for (const [k, h] of Object.entries(v.headers)) headers[k] = strings(h);
  const threshold = v.threshold === undefined || v.threshold === null ? 0 : Number(v.threshold);
  if (!Number.isInteger(threshold))
    throw invalid(
      `${key}.threshold`,
      `expected a whole number, got ${JSON.stringify(v.threshold)}`,
      "e.g. 5",
    );
  const ignore = isObject(v.ignore) ? v.ignore : {};
  return {
    name,
    url,
    headers,
    timeoutMs: duration(v.timeout, `${key}.timeout`, 1000),
    threshold: threshold > 0 ? threshold : 10,
    backoffMs: duration(v.backoff, `${key}.backoff`, 1000),
    ignoredMediaTypes: [...strings(v.ignoredmediatypes), ...strings(ignore.mediatypes)],
    ignoredActions: strings(ignore.actions),
  };
}

/** `notifications:` of a validated tree; undefined when no endpoint is enabled. */
export function resolveNotifications(t: Tree): NotifySettings | undefined {
  const list = getPath(t, ["notifications", "endpoints"]);
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list))
    throw invalid("notifications.endpoints", "expected a list of endpoints", "start each with - name:");
  const endpoints = list.map(endpoint).filter((e): e is EndpointSettings => e !== undefined);
  if (endpoints.length === 0) return undefined;
  const inc = getPath(t, ["notifications", "events", "includereferences"]);
  return { includeReferences: inc === true || inc === "true", endpoints };
}
