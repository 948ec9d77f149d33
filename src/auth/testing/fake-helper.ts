import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";

/**
 * Installs a fake `docker-credential-<name>` on a private PATH: a small Node script keeping its
 * credentials in `<dir>/store.json` and appending each call's verb (and server, never a secret) to
 * `<dir>/calls.log`. Returns the environment that finds it.
 */
export async function installFakeHelper(
  dir: string,
  name = "test",
): Promise<{
  env: NodeJS.ProcessEnv;
  calls(): Promise<string[]>;
  stored(): Promise<Record<string, unknown>>;
}> {
  const bin = join(dir, "bin");
  await mkdir(bin, { recursive: true });
  const script = `#!${process.execPath}
const fs = require("node:fs");
const path = require("node:path");
const dir = process.env.FAKE_CRED_DIR;
const file = path.join(dir, "store.json");
const load = () => { try { return JSON.parse(fs.readFileSync(file, "utf8")); } catch { return {}; } };
const verb = process.argv[2];
const input = fs.readFileSync(0, "utf8");
const log = (s) => fs.appendFileSync(path.join(dir, "calls.log"), verb + " " + s + "\\n");
const db = load();
if (verb === "get") {
  const server = input.trim(); log(server);
  const e = db[server];
  if (!e) { process.stdout.write("credentials not found in native keychain\\n"); process.exit(1); }
  process.stdout.write(JSON.stringify({ ServerURL: server, Username: e.Username, Secret: e.Secret }));
} else if (verb === "store") {
  const c = JSON.parse(input); log(c.ServerURL);
  if (c.Username === "fail-me") { process.stdout.write("refusing to store\\n"); process.exit(1); }
  db[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
  fs.writeFileSync(file, JSON.stringify(db));
} else if (verb === "erase") {
  const server = input.trim(); log(server);
  if (!db[server]) { process.stdout.write("credentials not found in native keychain\\n"); process.exit(1); }
  delete db[server];
  fs.writeFileSync(file, JSON.stringify(db));
} else if (verb === "list") {
  log("");
  const out = {};
  for (const [k, v] of Object.entries(db)) out[k] = v.Username;
  process.stdout.write(JSON.stringify(out));
} else { process.stdout.write("unknown verb\\n"); process.exit(1); }
`;
  const program = join(bin, `docker-credential-${name}`);
  await writeFile(program, script);
  await chmod(program, 0o755);
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`, FAKE_CRED_DIR: dir };
  return {
    env,
    calls: async () =>
      (await readFile(join(dir, "calls.log"), "utf8").catch(() => "")).split("\n").filter((l) => l !== ""),
    stored: async () => JSON.parse(await readFile(join(dir, "store.json"), "utf8").catch(() => "{}")),
  };
}
