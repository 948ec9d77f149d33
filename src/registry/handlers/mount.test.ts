import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Access, Authorizer } from "../auth/types.js";
import { pushBlob } from "../testing/push.js";
import { startTestRegistry, type TestRegistry } from "../testing/server.js";

/**
 * Automatic cross-repository mounting (`POST ?mount=<digest>` without `from`, the conformance
 * suite's OCI_AUTOMATIC_CROSSMOUNT): a blob the registry holds in a repository the client may pull
 * is mounted; one it holds only where the client may not read is not, and the answer does not
 * differ from the one for a blob the registry does not hold.
 */
describe("automatic cross-repository mounts", () => {
  let reg: TestRegistry;
  const asked: string[] = [];
  // Everyone may do anything, except read secret/* (the tests push to it: a push asks pull,push).
  const authorizer: Authorizer = {
    async authorize(_req, access: Access[]) {
      asked.push(...access.map((a) => `${a.name}:${a.actions.join(",")}`));
      const denied = access.some((a) => a.name.startsWith("secret/") && a.actions.join() === "pull");
      return denied ? { ok: false, status: 403, message: "denied" } : { ok: true };
    },
  };
  beforeAll(async () => {
    reg = await startTestRegistry({ authorizer });
  });
  afterAll(() => reg.close());

  const mount = (name: string, digest: string) =>
    fetch(`${reg.url}/v2/${name}/blobs/uploads/?mount=${digest}`, { method: "POST" });
  const linked = async (name: string, digest: string) =>
    (await fetch(`${reg.url}/v2/${name}/blobs/${digest}`, { method: "HEAD" })).status;

  it("mounts a blob from a repository the client may pull (201, Location, Docker-Content-Digest)", async () => {
    const { digest } = await pushBlob(reg.url, "open/source", "shared layer");
    const res = await mount("team/app", digest);
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/v2/team/app/blobs/${digest}`);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    expect(await linked("team/app", digest)).toBe(200);
    // Mounting again, now that the repository holds it, is 201 too.
    expect((await mount("team/app", digest)).status).toBe(201);
  });

  it("does not mount from a repository the client may not pull, and says no more than for an unknown blob", async () => {
    const { digest } = await pushBlob(reg.url, "secret/vault", "secret layer");
    asked.length = 0;
    const res = await mount("team/app", digest);
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toMatch(/^\/v2\/team\/app\/blobs\/uploads\/[0-9a-f-]{36}$/);
    expect(asked).toContain("secret/vault:pull");
    expect(await linked("team/app", digest)).toBe(404);
    const unknown = await mount("team/app", `sha256:${"ab".repeat(32)}`);
    expect(unknown.status).toBe(202);
    expect([...unknown.headers.keys()].sort()).toEqual([...res.headers.keys()].sort());
  });

  it("mounts from a readable repository when an unreadable one holds the blob too", async () => {
    const { digest } = await pushBlob(reg.url, "secret/first", "twice held");
    await pushBlob(reg.url, "open/second", "twice held");
    const res = await mount("team/other", digest);
    expect(res.status).toBe(201);
    expect(await linked("team/other", digest)).toBe(200);
  });

  it("does not mount from a repository that no longer links the blob", async () => {
    const { digest } = await pushBlob(reg.url, "open/gone", "deleted layer");
    const del = await fetch(`${reg.url}/v2/open/gone/blobs/${digest}`, { method: "DELETE" });
    expect(del.status).toBe(202);
    expect((await mount("team/late", digest)).status).toBe(202);
    expect(await linked("team/late", digest)).toBe(404);
  });

  it("still mounts from the named repository with from=, and not from an unreadable one", async () => {
    const { digest } = await pushBlob(reg.url, "secret/named", "named source");
    const res = await fetch(`${reg.url}/v2/team/named/blobs/uploads/?mount=${digest}&from=secret/named`, {
      method: "POST",
    });
    expect(res.status).toBe(202);
  });
});
