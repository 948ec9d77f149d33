import { afterEach, describe, expect, it } from "vitest";
import { MediaType } from "../../oci/index.js";
import { type ListeningRegistry, startRegistry } from "../listen.js";
import { pushBlob } from "../testing/push.js";
import { BLOB_MEDIA_TYPE, referencesOf } from "./events.js";
import { createNotifier } from "./notifier.js";
import { runScenario } from "./testing/scenario.js";
import type { EndpointSettings, Event } from "./types.js";

const endpoint = (name: string, extra: Partial<EndpointSettings> = {}): EndpointSettings => ({
  name,
  url: "http://unused.test/",
  headers: {},
  timeoutMs: 1000,
  threshold: 10,
  backoffMs: 1000,
  ignoredMediaTypes: [],
  ignoredActions: [],
  ...extra,
});

let reg: ListeningRegistry | undefined;
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

/** A registry over memory storage whose notifier records what each endpoint would be sent. */
async function recording(endpoints: EndpointSettings[], includeReferences = true) {
  const sent = new Map<string, Event[]>(endpoints.map((e) => [e.name, []]));
  const notify = createNotifier(
    { includeReferences, endpoints },
    {
      sourceAddr: () => "testhost:5000",
      send: async (e, events) => {
        sent.get(e.name)?.push(...events);
      },
    },
  );
  reg = await startRegistry({ deleteEnabled: true, purgeUploads: false, notify });
  return { sent, url: reg.url, host: reg.host };
}

describe("notification events", () => {
  it("are Distribution's for push, pull (HEAD and GET), mount and delete", async () => {
    const { sent, url, host } = await recording([endpoint("all")]);
    const r = await runScenario(url);
    await reg?.close();
    const events = sent.get("all") ?? [];
    const base = `http://${host}/v2`;
    const blob = (action: string, d: { digest: string; size: number }, method: string, repo = "a/img") => ({
      action,
      target: {
        mediaType: BLOB_MEDIA_TYPE,
        size: d.size,
        digest: d.digest,
        length: d.size,
        repository: repo,
        url: `${base}/${repo}/blobs/${d.digest}`,
      },
      method,
    });
    const [l1, l2] = r.layers as [(typeof r.layers)[0], (typeof r.layers)[0]];
    const references = [
      { mediaType: MediaType.ociConfig, size: r.config.size, digest: r.config.digest },
      { mediaType: MediaType.ociLayerGzip, size: l1.size, digest: l1.digest },
      { mediaType: MediaType.ociLayerGzip, size: l2.size, digest: l2.digest },
    ];
    const manifest = (action: string, method: string, tag?: string) => ({
      action,
      target: {
        mediaType: MediaType.ociManifest,
        size: r.manifest.size,
        digest: r.manifest.digest,
        length: r.manifest.size,
        repository: "a/img",
        url: `${base}/a/img/manifests/${r.manifest.digest}`,
        ...(tag ? { tag } : {}),
        references,
      },
      method,
    });
    const mount = blob("mount", l1, "POST", "b/other");
    mount.target = { ...mount.target, fromRepository: "a/img" } as typeof mount.target;
    expect(events.map((e) => ({ action: e.action, target: e.target, method: e.request.method }))).toEqual([
      blob("push", r.config, "PUT"),
      blob("push", l1, "PUT"),
      blob("push", l2, "PUT"),
      manifest("push", "PUT", "v1"),
      manifest("pull", "HEAD", "v1"),
      manifest("pull", "GET", "v1"),
      manifest("pull", "GET"),
      blob("pull", l1, "HEAD"),
      blob("pull", l1, "GET"),
      blob("pull", l1, "GET"),
      blob("pull", l1, "GET"),
      mount,
      { action: "delete", target: { digest: r.manifest.digest, repository: "a/img" }, method: "DELETE" },
      { action: "delete", target: { repository: "a/img", tag: "v1" }, method: "DELETE" },
      { action: "delete", target: { digest: l2.digest, repository: "a/img" }, method: "DELETE" },
    ]);
    for (const e of events) {
      expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(e.timestamp)).not.toBeNaN();
      expect(e.request).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        addr: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        host,
        method: e.request.method,
        useragent: "node",
      });
      expect(e.actor).toEqual({});
      expect(e.source).toEqual({ addr: "testhost:5000", instanceID: events[0]?.source.instanceID });
    }
    // The two deletes of one request share its id.
    expect(events[12]?.request.id).toBe(events[13]?.request.id);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it("leave references out without includereferences, and honour each endpoint's ignore rules", async () => {
    const { sent, url } = await recording(
      [
        endpoint("plain"),
        endpoint("no-blobs", { ignoredMediaTypes: [BLOB_MEDIA_TYPE] }),
        endpoint("no-pulls", { ignoredActions: ["pull", "delete"] }),
      ],
      false,
    );
    await runScenario(url);
    await reg?.close();
    const plain = sent.get("plain") ?? [];
    expect(plain).toHaveLength(15);
    expect(plain.some((e) => e.target.references !== undefined)).toBe(false);
    const summary = (name: string) => (sent.get(name) ?? []).map((e) => `${e.action} ${e.target.mediaType}`);
    const m = MediaType.ociManifest;
    // Deletes carry no media type, so a media-type rule does not drop them (as in Distribution).
    expect(summary("no-blobs")).toEqual([
      `push ${m}`,
      `pull ${m}`,
      `pull ${m}`,
      `pull ${m}`,
      "delete undefined",
      "delete undefined",
      "delete undefined",
    ]);
    expect(summary("no-pulls")).toEqual([
      ...Array(3).fill(`push ${BLOB_MEDIA_TYPE}`),
      `push ${m}`,
      `mount ${BLOB_MEDIA_TYPE}`,
    ]);
  });

  it("name the authenticated user as the actor", async () => {
    const sent: Event[] = [];
    const notify = createNotifier(
      { includeReferences: false, endpoints: [endpoint("a")] },
      { sourceAddr: () => "h:1", send: async (_e, ev) => void sent.push(...ev) },
    );
    reg = await startRegistry({
      notify,
      authorizer: { authorize: async () => ({ ok: true, subject: "alice" }) },
    });
    const res = await fetch(`${reg.url}/v2/x/blobs/uploads/?digest=sha256:${"0".repeat(64)}`, {
      method: "POST",
      body: "wrong",
    });
    await res.arrayBuffer();
    expect(res.status).toBe(400);
    const { digest } = await pushBlob(reg.url, "x", "hello");
    await reg.close();
    // The failed upload made no event; the monolithic one a push by alice.
    expect(sent.map((e) => [e.action, e.target.digest, e.actor])).toEqual([
      ["push", digest, { name: "alice" }],
    ]);
  });

  it("report an automatic mount (no `from`) with its source, and nothing when the repository held the blob", async () => {
    const { sent, url } = await recording([endpoint("all")], false);
    const { digest } = await pushBlob(url, "open/source", "shared layer");
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/v2/team/app/blobs/uploads/?mount=${digest}`, { method: "POST" });
      await res.arrayBuffer();
      expect(res.status).toBe(201);
    }
    await reg?.close();
    expect(
      (sent.get("all") ?? []).map((e) => [e.action, e.target.repository, e.target.fromRepository]),
    ).toEqual([
      ["push", "open/source", undefined],
      ["mount", "team/app", "open/source"],
    ]);
  });

  it("list an index's manifests as its references", () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { mediaType: MediaType.ociManifest, size: 3, digest: "sha256:aa", platform: { os: "linux" } },
        ],
      }),
    );
    expect(referencesOf(body)).toEqual([
      { mediaType: MediaType.ociManifest, size: 3, digest: "sha256:aa", platform: { os: "linux" } },
    ]);
    expect(referencesOf(Buffer.from("not json"))).toEqual([]);
  });
});
