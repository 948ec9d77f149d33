import {
  type Credentials,
  configPath,
  credentialKey,
  getCredentials,
  hostnameOf,
  loadConfig,
  storeCredentials,
} from "../../auth/index.js";
import { WharfError } from "../../errors/index.js";
import { checkLogin } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { promptLine, readStdin } from "./prompt.js";
import {
  authOptions,
  INDEX_SERVER,
  INSECURE_FLAG,
  serverDomain,
  transportOptions,
} from "./registry-options.js";

async function usesHelper(ctx: Context, server: string): Promise<boolean> {
  const config = await loadConfig(authOptions(ctx));
  const key = credentialKey(server);
  return Boolean(config.credHelpers?.[key] ?? config.credHelpers?.[hostnameOf(key)] ?? config.credsStore);
}

async function verify(ctx: Context, server: string, creds: Credentials, f: Parameters<Command["run"]>[1]) {
  const { credentials: _ignored, ...opts } = transportOptions(ctx, f);
  return checkLogin(serverDomain(server), creds, opts);
}

export const command: Command = {
  path: ["login"],
  usage: "[OPTIONS] [SERVER]",
  description: "Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
  flags: [
    { name: "username", short: "u", type: "string", description: "Username" },
    { name: "password", short: "p", type: "string", description: "Password or Personal Access Token (PAT)" },
    {
      name: "password-stdin",
      type: "bool",
      description: "Take the Password or Personal Access Token (PAT) from stdin",
    },
    INSECURE_FLAG,
  ],
  maxArgs: 1,
  async run(ctx, f) {
    const server = f.args[0] ?? INDEX_SERVER;
    let username = flag.string(f, "username")?.trim();
    let password = flag.string(f, "password");
    // Docker CLI 28's words (checked against the docker CLI installed here).
    if (password !== undefined && flag.bool(f, "password-stdin")) {
      throw new WharfError(
        "usage",
        "conflicting options: cannot specify both --password and --password-stdin",
      );
    }
    if (password !== undefined) {
      ctx.err("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
    }
    if (flag.bool(f, "password-stdin")) {
      if (!username)
        throw new WharfError("usage", "the --password-stdin option requires --username to be set");
      password = (await readStdin(ctx)).replace(/\r?\n$/, "");
    }
    if (username === undefined && password === undefined) {
      const stored = await getCredentials(server, authOptions(ctx));
      if (stored) {
        ctx.out(`Authenticating with existing credentials... [Username: ${stored.username}]`);
        try {
          await verify(ctx, server, stored, f);
          ctx.out("Login Succeeded");
          return 0;
        } catch (e) {
          ctx.err(`Login did not succeed, error: ${(e as Error).message}`);
        }
      }
    }
    if (username === undefined || password === undefined) {
      if (!ctx.stdin.isTTY) {
        throw new WharfError(
          "invalid-argument",
          "Cannot perform an interactive login from a non TTY device",
          {
            hint: "pass --username and --password-stdin (the password on standard input)",
          },
        );
      }
      if (username === undefined) username = (await promptLine(ctx, "Username: ")).trim();
      if (!username) throw new WharfError("invalid-argument", "Non-null Username Required");
      if (password === undefined) password = await promptLine(ctx, "Password: ", true);
    }
    if (!password) throw new WharfError("invalid-argument", "Password Required");
    const result = await verify(ctx, server, { username, password }, f);
    const creds: Credentials = result.identityToken
      ? { username, password: "", identityToken: result.identityToken }
      : { username, password };
    await storeCredentials(server, creds, authOptions(ctx));
    if (!(await usesHelper(ctx, server))) {
      ctx.err(`WARNING! Your credentials are stored unencrypted in '${configPath(authOptions(ctx))}'.`);
      ctx.err("Configure a credential helper to remove this warning (credsStore in that file).");
      ctx.err("");
    }
    ctx.out("Login Succeeded");
    return 0;
  },
};
