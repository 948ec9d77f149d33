import { WharfError } from "../errors/index.js";

/** Adjectives for generated names (wharf's own list, in the spirit of Docker's). */
// biome-ignore format: a word list reads better packed
export const ADJECTIVES = [
  "agile", "amused", "bold", "brave", "bright", "calm", "careful", "cheerful", "clever", "curious",
  "daring", "eager", "earnest", "elated", "fervent", "fond", "gentle", "glad", "graceful", "happy",
  "hardy", "hopeful", "humble", "jolly", "keen", "kind", "lively", "loyal", "lucid", "merry",
  "mellow", "modest", "nimble", "noble", "patient", "placid", "plucky", "proud", "quiet", "quirky",
  "serene", "sharp", "sincere", "steady", "sunny", "swift", "tender", "upbeat", "vivid", "witty",
  "zealous", "zen",
] as const;

/** Surnames of notable scientists and engineers. */
// biome-ignore format: a word list reads better packed
export const SURNAMES = [
  "agnesi", "alhazen", "ampere", "archimedes", "avogadro", "babbage", "bardeen", "bell", "bohr",
  "boltzmann", "boole", "born", "brahe", "carson", "cavendish", "chandrasekhar", "copernicus", "curie",
  "darwin", "dirac", "doppler", "einstein", "euclid", "euler", "faraday", "fermat", "fermi", "feynman",
  "fourier", "franklin", "galileo", "galois", "gauss", "germain", "gibbs", "goodall", "hamilton",
  "hawking", "heisenberg", "hertz", "hilbert", "hodgkin", "hopper", "hubble", "huygens", "hypatia",
  "joule", "kelvin", "kepler", "khayyam", "kirchhoff", "knuth", "kovalevskaya", "lamarr", "laplace",
  "lavoisier", "leakey", "leibniz", "lovelace", "lumiere", "maxwell", "mcclintock", "meitner",
  "mendel", "mendeleev", "mirzakhani", "morse", "newton", "nightingale", "noether", "ohm", "pascal",
  "pasteur", "pauli", "pauling", "planck", "poincare", "ramanujan", "raman", "riemann", "ritchie",
  "rontgen", "rutherford", "sagan", "salk", "schrodinger", "shannon", "somerville", "stallman",
  "tesla", "thompson", "torvalds", "turing", "volta", "wiles", "wright", "wu", "yalow", "yonath",
  "zuse",
] as const;

/** A random integer below `n`. Names need no secret randomness (Docker picks them with math/rand). */
function randomInt(n: number): number {
  return Math.floor(Math.random() * n);
}

function pick<T>(list: readonly T[]): T {
  return list[randomInt(list.length)] as T;
}

/**
 * A name like Docker's: `adjective_surname`. After a few collisions a digit is appended, as Docker
 * does, so that the search ends even when most pairs are taken.
 */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    let name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
    if (attempt >= 10) name += String(randomInt(10 + attempt));
    if (!taken(name)) return name;
  }
  throw new WharfError("internal", "cannot find a free container name");
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Validates a `--name` (a leading `/`, as Docker shows names, is accepted) and returns it bare. */
export function validateName(input: string): string {
  const name = input.startsWith("/") ? input.slice(1) : input;
  if (!NAME_RE.test(name)) {
    throw new WharfError(
      "invalid-argument",
      `Invalid container name (${input}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  return name;
}

export function nameConflict(name: string, id: string): WharfError {
  return new WharfError(
    "conflict",
    `Conflict. The container name "/${name}" is already in use by container "${id}". ` +
      "You have to remove (or rename) that container to be able to reuse that name.",
  );
}
