import { bareError } from "./errors.js";

/**
 * Symbolic `--chmod` (Dockerfile 1.14): chmod(1)'s symbolic modes with BSD setmode(3)'s rules, as
 * BuildKit applies them (through a Go port of setmode): clauses `[ugoa]*(op perms)+` joined by
 * commas, op `+`, `-` or `=`, perms from `rwxXst` or one of `u`, `g`, `o` (copy that class's bits).
 * With no class named, the umask limits what `+`, `-` and `=` set (BuildKit's daemon runs with
 * 022: `+w` is `u+w`); `=` with no class clears every permission bit first. `X` counts with `+`
 * only, and sets execute when the entry is a directory or had an execute bit before the change.
 */

const U = 0o4700;
const G = 0o2070;
const O = 0o0007;
const SUID_SGID = 0o6000;
const STICKY = 0o1000;
/** rwx of u, g and o with set-id: what `a` names (sticky only through `t`). */
const STANDARD = 0o6777;

type Action =
  | { kind: "bits"; op: "+" | "-" | "="; who: number; perm: number; x: boolean }
  | { kind: "copy"; op: "+" | "-" | "="; who: number; from: "u" | "g" | "o" };

function parse(spec: string): Action[] {
  const out: Action[] = [];
  for (const clause of spec.split(",")) {
    let i = 0;
    let who = 0;
    for (; i < clause.length && "ugoa".includes(clause[i] as string); i++) {
      const c = clause[i];
      who |= c === "u" ? U : c === "g" ? G : c === "o" ? O : STANDARD;
    }
    if (i >= clause.length) throw bareError(`invalid chmod value "${spec}": no operator in "${clause}"`);
    while (i < clause.length) {
      const op = clause[i++] as string;
      if (op !== "+" && op !== "-" && op !== "=") {
        throw bareError(`invalid chmod value "${spec}": "${op}" is not +, - or =`);
      }
      const from = clause[i];
      if (from === "u" || from === "g" || from === "o") {
        out.push({ kind: "copy", op, who, from });
        i++;
        continue;
      }
      let perm = 0;
      let x = false;
      let w = who;
      for (; i < clause.length && "rwxXst".includes(clause[i] as string); i++) {
        const p = clause[i];
        if (p === "r") perm |= 0o444;
        else if (p === "w") perm |= 0o222;
        else if (p === "x") perm |= 0o111;
        else if (p === "X") x = op === "+";
        else if (p === "s" && (who === 0 || (who & ~O) !== 0)) perm |= SUID_SGID;
        else if (p === "t" && (who === 0 || (who & ~O) !== 0)) {
          w |= STICKY;
          perm |= STICKY;
        }
      }
      out.push({ kind: "bits", op, who: w, perm, x });
    }
  }
  return out;
}

/** A class's three permission bits (value 0..7) as they stand in `mode`. */
function classBits(mode: number, c: "u" | "g" | "o"): number {
  return c === "u" ? (mode >> 6) & 7 : c === "g" ? (mode >> 3) & 7 : mode & 7;
}

/** Spreads 0..7 over the classes `who` names (all, limited by `mask`, when none). */
function spread(value: number, who: number, mask: number): number {
  if (who === 0) return ((value << 6) | (value << 3) | value) & mask;
  return ((who & 0o400 ? value << 6 : 0) | (who & 0o040 ? value << 3 : 0) | (who & 0o004 ? value : 0)) >>> 0;
}

/**
 * The function that turns an entry's mode into the one `--chmod=<spec>` gives it. Throws a
 * Dockerfile error for a spec that is not a symbolic mode.
 */
export function symbolicChmod(spec: string, umask = 0o022): (mode: number, isDir: boolean) => number {
  const actions = parse(spec);
  const mask = ~umask & 0o7777;
  return (mode, isDir) => {
    const original = mode & 0o7777;
    let m = original;
    for (const a of actions) {
      const limit = a.who === 0 ? mask : a.who;
      if (a.kind === "copy") {
        const value = classBits(m, a.from);
        const bits = spread(value, a.who, mask);
        if (a.op === "-") m &= ~bits;
        else {
          if (a.op === "=") m &= ~spread(7, a.who, mask);
          m |= bits;
        }
        continue;
      }
      const bits = limit & a.perm;
      if (a.op === "+") m |= bits;
      else if (a.op === "-") m &= ~bits;
      else {
        m &= ~(a.who === 0 ? STANDARD : a.who);
        m |= bits;
      }
      if (a.x && (isDir || (original & 0o111) !== 0)) m |= limit & 0o111;
    }
    return m & 0o7777;
  };
}
