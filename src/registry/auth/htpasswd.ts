import { createHmac, randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import bcrypt from "bcryptjs";
import { errnoCode, WharfError } from "../../errors/index.js";

/** Checks user names and passwords against an Apache htpasswd file of bcrypt hashes. */
export interface Htpasswd {
  verify(user: string, password: string): Promise<boolean>;
}

/**
 * Parses htpasswd text as Distribution does: one `user:hash` per line, blank lines and `#` comments
 * skipped, the user ending at the first colon. Only bcrypt hashes (`$2a$`, `$2b$`, `$2y$`) can match.
 */
export function parseHtpasswd(text: string, source = "htpasswd"): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new WharfError("config-invalid", `${source}:${i + 1}: malformed entry (want user:bcrypt-hash)`, {
        hint: "create entries with `htpasswd -Bbn USER PASSWORD`",
      });
    }
    out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/** How often, at most, the file's modification time is checked for a reload. */
const RECHECK_MS = 1000;

/**
 * An htpasswd file, read at start and re-read when it changes (checked at most once a second), so
 * that users can be added without a restart. bcrypt is slow on purpose; a password already verified
 * against the same hash is remembered (as an HMAC under a per-process key, never in clear) so that
 * clients sending basic credentials with every request do not pay it each time.
 */
export async function openHtpasswd(path: string): Promise<Htpasswd> {
  const pepper = randomBytes(32);
  const verified = new Map<string, string>();
  let users = new Map<string, string>();
  let version = "";
  let checkedAt = 0;

  const load = async (): Promise<void> => {
    let text: string;
    let st: { mtimeMs: number; size: number };
    try {
      st = await stat(path);
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new WharfError(
        "config-invalid",
        `cannot read htpasswd file ${path}: ${errnoCode(e) ?? String(e)}`,
        {
          hint: "set auth.htpasswd.path (or --htpasswd) to an existing file",
          cause: e,
        },
      );
    }
    users = parseHtpasswd(text, path);
    version = `${st.mtimeMs}:${st.size}`;
    verified.clear();
  };
  await load();
  checkedAt = Date.now();

  const refresh = async (): Promise<void> => {
    if (Date.now() - checkedAt < RECHECK_MS) return;
    checkedAt = Date.now();
    try {
      const st = await stat(path);
      if (`${st.mtimeMs}:${st.size}` !== version) await load();
    } catch {
      // A file being replaced may be missing for a moment: keep the users already loaded.
    }
  };

  return {
    async verify(user, password) {
      await refresh();
      const hash = users.get(user);
      if (hash === undefined || !BCRYPT.test(hash)) return false;
      const mac = createHmac("sha256", pepper).update(`${user}\0${hash}\0${password}`).digest("hex");
      if (verified.get(user) === mac) return true;
      const ok = await bcrypt.compare(password, hash);
      if (ok) verified.set(user, mac);
      return ok;
    },
  };
}

/** Reads `Authorization: Basic ...`; undefined when absent or not basic. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const text = Buffer.from(m[1] as string, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
