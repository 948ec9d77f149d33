import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWharfError } from "../../errors/index.js";
import { htpasswdAuthorizer } from "./basic.js";
import { basicCredentials, openHtpasswd, parseHtpasswd } from "./htpasswd.js";
import { parseScopes } from "./scope.js";

const req = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("htpasswd", () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-htpasswd-"));
    file = join(dir, "htpasswd");
    // Apache's htpasswd writes $2y$ hashes, as Distribution's docs tell users to make them.
    const made = spawnSync("htpasswd", ["-Bbn", "-C", "4", "alice", "wonder:land"], { encoding: "utf8" });
    expect(made.status).toBe(0);
    const bob = bcrypt.hashSync("builder", 4);
    await writeFile(file, `# users\n\n${made.stdout.trim()}\nbob:${bob}\ncarol:{SHA}abc=\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("parses entries, skipping blanks and comments, and rejects malformed lines", () => {
    expect([...parseHtpasswd("a:x\n# c\n\n b:y \n").keys()]).toEqual(["a", "b"]);
    expect(() => parseHtpasswd("nocolon\n")).toThrow(/malformed/);
  });

  it("verifies bcrypt passwords ($2y$ and $2b$), refusing others and unknown users", async () => {
    const h = await openHtpasswd(file);
    expect(await h.verify("alice", "wonder:land")).toBe(true);
    expect(await h.verify("alice", "wonder:land")).toBe(true);
    expect(await h.verify("alice", "wrong")).toBe(false);
    expect(await h.verify("bob", "builder")).toBe(true);
    expect(await h.verify("carol", "abc")).toBe(false);
    expect(await h.verify("dave", "")).toBe(false);
  });

  it("re-reads the file when it changes", async () => {
    const other = join(dir, "reload");
    await writeFile(other, `erin:${bcrypt.hashSync("one", 4)}\n`);
    const h = await openHtpasswd(other);
    expect(await h.verify("erin", "one")).toBe(true);
    await sleep(1100);
    await writeFile(other, `erin:${bcrypt.hashSync("two-longer", 4)}\n`);
    expect(await h.verify("erin", "one")).toBe(false);
    expect(await h.verify("erin", "two-longer")).toBe(true);
  });

  it("fails with config-invalid for a missing file", async () => {
    const e = await openHtpasswd(join(dir, "missing")).catch((x: unknown) => x);
    expect(isWharfError(e, "config-invalid")).toBe(true);
  });

  it("reads basic credentials, passwords with colons included", () => {
    expect(basicCredentials(basic("a", "b:c"))).toEqual({ user: "a", password: "b:c" });
    expect(basicCredentials("Bearer x")).toBeUndefined();
    expect(basicCredentials(undefined)).toBeUndefined();
  });

  it("authorizes basic requests with a Basic challenge and applies access rules", async () => {
    const auth = await htpasswdAuthorizer({ realm: 'my "realm"', path: file });
    const need = parseScopes("repository:x/y:pull,push");
    const none = await auth.authorize(req(), need);
    expect(none).toMatchObject({ ok: false, status: 401, challenge: 'Basic realm="my \\"realm\\""' });
    expect(await auth.authorize(req(basic("alice", "nope")), need)).toMatchObject({ ok: false, status: 401 });
    expect(await auth.authorize(req(basic("alice", "wonder:land")), need)).toEqual({
      ok: true,
      subject: "alice",
    });

    const ruled = await htpasswdAuthorizer({
      realm: "r",
      path: file,
      rules: [{ account: "*", type: "repository", name: "x/*", actions: ["pull"] }],
    });
    expect(await ruled.authorize(req(basic("bob", "builder")), parseScopes("repository:x/y:pull"))).toEqual({
      ok: true,
      subject: "bob",
    });
    expect(await ruled.authorize(req(basic("bob", "builder")), need)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(await ruled.authorize(req(basic("bob", "builder")), [])).toMatchObject({ ok: true });
  });
});
