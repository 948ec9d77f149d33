/** `key=value,key2=value2` as BuildKit's flags take them (`--output`, `--secret`, `--cache-to`); a bare key is `""`. */
export function keyValues(spec: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of spec.split(",")) {
    const i = part.indexOf("=");
    m.set(i < 0 ? part : part.slice(0, i), i < 0 ? "" : part.slice(i + 1));
  }
  return m;
}
