import { WharfError } from "../../errors/index.js";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Docker's RAMInBytes: `512m`, `1g`, `1.5GB`, `100000` (binary units, case-insensitive). */
export function parseMemory(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(s.trim());
  if (!m) throw new WharfError("invalid-argument", `invalid size: '${s}'`);
  return Math.round(Number(m[1]) * (UNITS[(m[2] ?? "").toLowerCase()] ?? 1));
}
