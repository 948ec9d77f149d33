import { spawn } from "node:child_process";
import { errnoCode, WharfError } from "../errors/index.js";
import type { Credentials } from "./config.js";

/**
 * Docker's credential-helper protocol: `docker-credential-<name> get|store|erase|list`, the input
 * on stdin, the answer as JSON on stdout. Secrets travel only through the pipes, never in arguments,
 * the environment or an error message.
 */

/** What helpers print (on stdout, exiting non-zero) when they hold nothing for a server. */
export const NOT_FOUND_MESSAGE = "credentials not found in native keychain";
/** The user name that marks the secret as an identity token. */
const TOKEN_USERNAME = "<token>";
const OUTPUT_LIMIT = 1 << 20;
const TIMEOUT_MS = 60_000;

export interface HelperOptions {
  env?: NodeJS.ProcessEnv;
}

type Verb = "get" | "store" | "erase" | "list";

interface HelperOutput {
  code: number;
  stdout: string;
  stderr: string;
}

function programOf(name: string): string {
  if (name === "" || /[/\\\s]/.test(name)) {
    throw new WharfError("config-invalid", `invalid credential helper name ${JSON.stringify(name)}`, {
      hint: 'credsStore and credHelpers name a helper such as "pass" for docker-credential-pass',
    });
  }
  return `docker-credential-${name}`;
}

function run(name: string, verb: Verb, input: string, opts: HelperOptions): Promise<HelperOutput> {
  const program = programOf(name);
  return new Promise((resolve, reject) => {
    const child = spawn(program, [verb], {
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: TIMEOUT_MS,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > OUTPUT_LIMIT) child.kill();
      else into.push(chunk);
    };
    child.stdout.on("data", take(out));
    child.stderr.on("data", take(err));
    child.on("error", (e) => {
      if (errnoCode(e) === "ENOENT") {
        reject(
          new WharfError("config-invalid", `credential helper ${program} is not installed`, {
            hint: `install ${program} on your PATH, or remove it from credsStore/credHelpers in config.json`,
          }),
        );
      } else {
        reject(new WharfError("io", `cannot run ${program}: ${(e as Error).message}`, { cause: e }));
      }
    });
    child.stdin.on("error", () => {
      // The helper may exit before reading its input; its exit status tells what happened.
    });
    child.on("close", (code, signal) => {
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    child.stdin.end(input);
  });
}

function isNotFound(o: HelperOutput): boolean {
  return o.stdout.includes(NOT_FOUND_MESSAGE) || o.stderr.includes(NOT_FOUND_MESSAGE);
}

function failure(name: string, verb: Verb, o: HelperOutput): WharfError {
  const said = (o.stdout.trim() || o.stderr.trim()).split("\n")[0]?.slice(0, 200) ?? "";
  return new WharfError(
    "io",
    `credential helper docker-credential-${name} failed to ${verb} credentials${said ? `: ${said}` : ` (exit status ${o.code})`}`,
    { hint: `check that docker-credential-${name} works: echo <server> | docker-credential-${name} get` },
  );
}

function parseJson(name: string, verb: Verb, text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new WharfError("io", `credential helper docker-credential-${name} gave invalid output for ${verb}`, {
    hint: "the helper must print a JSON object",
  });
}

/** The helper's credentials for `server`, or undefined when it has none. */
export async function helperGet(
  name: string,
  server: string,
  opts: HelperOptions = {},
): Promise<Credentials | undefined> {
  const o = await run(name, "get", server, opts);
  if (o.code !== 0) {
    if (isNotFound(o)) return undefined;
    throw failure(name, "get", o);
  }
  const doc = parseJson(name, "get", o.stdout);
  const username = typeof doc.Username === "string" ? doc.Username : "";
  const secret = typeof doc.Secret === "string" ? doc.Secret : "";
  if (username === TOKEN_USERNAME) return { username: "", password: "", identityToken: secret };
  if (username === "" && secret === "") return undefined;
  return { username, password: secret };
}

/** Hands `creds` for `server` to the helper. An identity token is stored in place of the password. */
export async function helperStore(
  name: string,
  server: string,
  creds: Credentials,
  opts: HelperOptions = {},
): Promise<void> {
  const body = creds.identityToken
    ? { ServerURL: server, Username: TOKEN_USERNAME, Secret: creds.identityToken }
    : { ServerURL: server, Username: creds.username, Secret: creds.password };
  const o = await run(name, "store", JSON.stringify(body), opts);
  if (o.code !== 0) throw failure(name, "store", o);
}

/** Removes the helper's credentials for `server`; absent credentials are not an error. */
export async function helperErase(name: string, server: string, opts: HelperOptions = {}): Promise<void> {
  const o = await run(name, "erase", server, opts);
  if (o.code !== 0 && !isNotFound(o)) throw failure(name, "erase", o);
}

/** The servers the helper holds credentials for, with their user names. */
export async function helperList(name: string, opts: HelperOptions = {}): Promise<Record<string, string>> {
  const o = await run(name, "list", "", opts);
  if (o.code !== 0) throw failure(name, "list", o);
  const doc = parseJson(name, "list", o.stdout || "{}");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc)) if (typeof v === "string") out[k] = v;
  return out;
}
