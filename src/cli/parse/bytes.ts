import { WharfError } from "../../errors/index.js";

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

function sizeError(message: string): WharfError {
  return new WharfError("invalid-argument", message, {
    hint: "give a size such as 512m, 1g or a number of bytes",
  });
}

/**
 * Docker's RAMInBytes (go-units): `512m`, `1g`, `1.5GB`, `1KiB`, `100000` (binary units,
 * case-insensitive), with its errors: `invalid size: 'abc'` (no number), `invalid suffix: 'x'`,
 * Go's ParseFloat error for a malformed number.
 */
export function parseMemory(s: string): number {
  const sep = Math.max(...[..."0123456789. "].map((c) => s.lastIndexOf(c)));
  if (sep < 0) throw sizeError(`invalid size: '${s}'`);
  const num = s[sep] === " " ? s.slice(0, sep) : s.slice(0, sep + 1);
  let sfx = s.slice(sep + 1);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(num)) {
    throw sizeError(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  }
  let size = Number(num);
  if (size < 0) throw sizeError(`invalid size: '${s}'`);
  if (sfx === "") return Math.trunc(size);
  const bad = () => sizeError(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === "b") {
    if (sfx.length > 1) throw bad();
    return Math.trunc(size);
  }
  const mul = BINARY[sfx[0] as string];
  if (mul === undefined) throw bad();
  if ((sfx.length === 2 && sfx[1] !== "b") || (sfx.length === 3 && sfx.slice(1) !== "ib")) throw bad();
  size *= mul;
  return Math.trunc(size);
}

/** `--NAME VALUE` read as a size, its error as the docker CLI words it for the flag (`label`: `-m, --memory`). */
export function parseSizeFlag(value: string, label: string): number {
  try {
    return parseMemory(value);
  } catch (e) {
    throw new WharfError(
      "invalid-argument",
      `invalid argument "${value}" for "${label}" flag: ${(e as Error).message}`,
      {
        hint: "give a size such as 512m, 1g or a number of bytes",
      },
    );
  }
}

/**
 * Docker's NanoCPUs (`--cpus`): a rational number (`1.5`, `0.25`, `1/2`) of at most nine decimal
 * places, as CPUs; the docker CLI's errors for the flag.
 */
export function parseCpus(value: string): number {
  const bad = (why: string) =>
    new WharfError("invalid-argument", `invalid argument "${value}" for "--cpus" flag: ${why}`, {
      hint: "give a number of CPUs such as 0.5 or 2",
    });
  const frac = /^([-+]?\d+)\/(\d+)$/.exec(value);
  if (frac) {
    const [n, d] = [BigInt(frac[1] as string), BigInt(frac[2] as string)];
    if (d === 0n) throw bad(`failed to parse ${value} as a rational number`);
    if ((n * 1_000_000_000n) % d !== 0n) throw bad("value is too precise");
    return Number(n) / Number(d);
  }
  const m = /^[-+]?(\d*)\.?(\d*)(?:[eE]([-+]?\d+))?$/.exec(value);
  if (!m || (m[1] === "" && m[2] === "")) throw bad(`failed to parse ${value} as a rational number`);
  const places = (m[2] ?? "").replace(/0+$/, "").length - Number(m[3] ?? 0);
  if (places > 9) throw bad("value is too precise");
  return Number(value);
}
