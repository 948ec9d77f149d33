import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushImage } from "../testing/push.js";
import { startTestRegistry, type TestRegistry } from "../testing/server.js";

describe("GET /v1/search (the index search docker search asks)", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
    for (const name of ["team/busybox", "busybox-extra", "tools/curl", "busy/box"])
      await pushImage(reg.url, name, "1");
  });
  afterAll(() => reg.close());

  const search = async (qs: string) => {
    const res = await fetch(`${reg.url}/v1/search?${qs}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("answers the repositories holding the term, any case, in Docker Hub's form", async () => {
    const { status, body } = await search("q=BUSY");
    expect(status).toBe(200);
    expect(body).toEqual({
      num_pages: 1,
      num_results: 3,
      page_size: 25,
      page: 1,
      query: "BUSY",
      results: ["busy/box", "busybox-extra", "team/busybox"].map((name) => ({
        name,
        description: "",
        star_count: 0,
        is_official: false,
        is_automated: false,
      })),
    });
  });

  it("pages with n and page; refuses n outside 1..100", async () => {
    const p2 = await search("q=busy&n=2&page=2");
    expect(p2.body).toMatchObject({ num_pages: 2, num_results: 3, page: 2, page_size: 2 });
    expect((p2.body.results as { name: string }[]).map((r) => r.name)).toEqual(["team/busybox"]);
    expect((await search("q=nothing-like-it")).body).toMatchObject({ num_results: 0, results: [] });
    expect((await search("q=x&n=101")).status).toBe(400);
    expect((await search("q=x&n=0")).status).toBe(400);
  });
});
