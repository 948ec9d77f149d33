/**
 * Go's `strconv.FormatFloat` for the `e`, `f` and `g` formats: the exact decimal value of the double,
 * rounded half to even as strconv's decimal does, so that `%.3g` prints what Docker prints.
 */

/** The exact decimal digits of |x| (no leading/trailing zeros) and the decimal point position. */
interface Decimal {
  d: string;
  dp: number;
}

function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: "", dp: 0 };
  const [mant = "", exp = "0"] = Math.abs(x).toExponential(100).split("e");
  const digits = mant.replace(".", "").replace(/0+$/, "");
  return { d: digits, dp: Number.parseInt(exp, 10) + 1 };
}

function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: "", dp: 0 };
  const [mant = "", exp = "0"] = Math.abs(x).toExponential().split("e");
  return { d: mant.replace(".", "").replace(/0+$/, ""), dp: Number.parseInt(exp, 10) + 1 };
}

/** Rounds to `nd` significant digits, half to even, as strconv's decimal does. */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  const next = a.d.charCodeAt(nd) - 48;
  let up = next > 5;
  if (next === 5) {
    up = nd + 1 < a.d.length || (nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1);
  }
  if (!up) return { d: a.d.slice(0, nd).replace(/0+$/, ""), dp: a.dp };
  let i = nd - 1;
  while (i >= 0 && a.d[i] === "9") i--;
  if (i < 0) return { d: "1", dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
}

function digitAt(a: Decimal, i: number): string {
  return i >= 0 && i < a.d.length ? (a.d[i] as string) : "0";
}

function fmtE(a: Decimal, prec: number, e: "e" | "E"): string {
  let s = a.d.length === 0 ? "0" : (a.d[0] as string);
  if (prec > 0) {
    s += ".";
    for (let i = 1; i <= prec; i++) s += digitAt(a, i);
  }
  const exp = a.d.length === 0 ? 0 : a.dp - 1;
  const abs = Math.abs(exp);
  return `${s}${e}${exp < 0 ? "-" : "+"}${abs < 10 ? "0" : ""}${abs}`;
}

function fmtF(a: Decimal, prec: number): string {
  let s = "";
  if (a.dp > 0) for (let i = 0; i < a.dp; i++) s += digitAt(a, i);
  else s = "0";
  if (prec > 0) {
    s += ".";
    for (let i = 0; i < prec; i++) s += digitAt(a, a.dp + i);
  }
  return s;
}

/** `strconv.FormatFloat(x, fmt, prec, 64)` for fmt `e`, `E`, `f`, `g`, `G`; prec -1 is shortest. */
export function formatFloat(x: number, fmt: "e" | "E" | "f" | "g" | "G", prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  const neg = x < 0 || Object.is(x, -0) ? "-" : "";
  const shortest = prec < 0;
  let digs = shortest ? shortestDecimal(x) : exactDecimal(x);
  if (!shortest) {
    if (fmt === "e" || fmt === "E") digs = roundDecimal(digs, prec + 1);
    else if (fmt === "f") digs = roundDecimal(digs, digs.dp + prec);
    else digs = roundDecimal(digs, prec === 0 ? 1 : prec);
  }
  if (shortest) prec = fmt === "f" ? Math.max(digs.d.length - digs.dp, 0) : digs.d.length - 1;
  if (fmt === "e" || fmt === "E") return neg + fmtE(digs, prec, fmt);
  if (fmt === "f") return neg + fmtF(digs, prec);
  // %g
  if (shortest) prec = digs.d.length;
  else if (prec === 0) prec = 1;
  let eprec = prec;
  if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (digs.d.length > 0 && (exp < -4 || exp >= eprec)) {
    const p = Math.min(prec, digs.d.length);
    return neg + fmtE(digs, p - 1, fmt === "g" ? "e" : "E");
  }
  const p = prec > digs.dp ? digs.d.length : prec;
  return neg + fmtF(digs, Math.max(p - digs.dp, 0));
}
