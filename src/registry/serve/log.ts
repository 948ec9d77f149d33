import type { LogFormatter, LogLevel } from "../config/index.js";

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  error(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** A logfmt value: bare when it is a plain word, else quoted with escapes (as logrus' text formatter). */
function logfmtValue(v: string | number | boolean): string {
  const s = String(v);
  return /^[A-Za-z0-9_.\-/:@+]+$/.test(s) ? s : JSON.stringify(s);
}

/**
 * Renders one record the way Distribution's logrus formatters do: `text` is logfmt
 * (`time="..." level=info msg="..." key=value`), `json` is one object per line
 * (`{"level","msg","time",...}`), `logstash` uses `@timestamp`, `@version` and `message`.
 */
export function formatRecord(
  formatter: LogFormatter,
  level: LogLevel,
  msg: string,
  fields: Fields,
  time = new Date(),
): string {
  const defined = Object.entries(fields).filter(
    (e): e is [string, string | number | boolean] => e[1] !== undefined,
  );
  const ts = time.toISOString();
  if (formatter === "json") return JSON.stringify({ time: ts, level, msg, ...Object.fromEntries(defined) });
  if (formatter === "logstash") {
    return JSON.stringify({
      "@timestamp": ts,
      "@version": "1",
      level,
      message: msg,
      ...Object.fromEntries(defined),
    });
  }
  const parts = [`time=${JSON.stringify(ts)}`, `level=${level}`, `msg=${JSON.stringify(msg)}`];
  for (const [k, v] of defined) parts.push(`${k}=${logfmtValue(v)}`);
  return parts.join(" ");
}

/** A logger writing records at or above `level`, each with the config's constant `fields`. */
export function createLogger(opts: {
  level: LogLevel;
  formatter: LogFormatter;
  fields?: Record<string, string>;
  write: (line: string) => void;
}): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields: Fields = {}): void => {
      if (RANK[level] > RANK[opts.level]) return;
      opts.write(formatRecord(opts.formatter, level, msg, { ...opts.fields, ...fields }));
    };
  return { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
}
