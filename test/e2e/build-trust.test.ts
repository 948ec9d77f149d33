import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusybox } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { storeListing } from "./helpers/trust.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * `wharf build` pulls FROM and COPY --from images under the same verification as `wharf pull`:
 * content trust (`DOCKER_CONTENT_TRUST=1` / `--disable-content-trust=false`) and the signature
 * policy (`--signature-policy`, else containers' policy.json). A refused image stores nothing.
 */
describe("wharf build under content trust and the signature policy", () => {
  let reg: RunningRegistry | undefined;
  let cli: WharfCli;
  let dir: string;
  let signed: string;
  let unsigned: string;
  let other: string;

  const ctx = (name: string, dockerfile: string): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "Dockerfile"), dockerfile);
    return d;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-build-trust-"));
    reg = await startDistribution();
    process.env.WHARF_TRUST_PASSPHRASE = "build trust";
    cli = await wharfCli();
    const r = reg;
    signed = (await pushBusybox(r, join(dir, "layout"), "signed", ["sh"])).ref;
    unsigned = (await pushBusybox(r, join(dir, "layout"), "unsigned", ["true"])).ref;
    other = (await pushBusybox(r, join(dir, "layout"), "other", ["echo", "other"])).ref;
    await cli.ok("trust", "key", "generate", "alice");
    await cli.ok("trust", "sign", "--key", join(cli.dockerConfig, "trust", "alice.key"), signed);
  }, 120_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("content trust: an unsigned FROM or COPY --from image is refused before anything is stored; a signed one builds", async () => {
    const trust = "--disable-content-trust=false";
    await cli.ok("images"); // the store's empty skeleton, which any command makes
    const before = storeListing(cli.root);
    const r = await cli.run(["build", trust, "-q", ctx("unsigned", `FROM ${unsigned}\nLABEL a=b\n`)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^Error: .*/m);
    expect(r.stderr).toMatch(/^Hint: /m);
    expect(r.stderr).toMatch(/no signature|not signed|content trust/);
    expect(storeListing(cli.root)).toEqual(before);

    const ok = await cli.run([
      "build",
      trust,
      "--progress",
      "plain",
      "-t",
      "on-signed",
      ctx("signed", `FROM ${signed}\nRUN echo ok > /ok\n`),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Verified .*alice\.pub/);

    const copy = await cli.run([
      "build",
      trust,
      "-q",
      ctx("copy-from", `FROM ${signed}\nCOPY --from=${unsigned} /bin/busybox /bb\n`),
    ]);
    expect(copy.code).not.toBe(0);
    expect(copy.stderr).toMatch(/no signature|not signed|content trust/);
    // Without content trust the same Dockerfile builds.
    expect(
      (
        await cli.run([
          "build",
          "-q",
          ctx("copy-from-2", `FROM ${signed}\nCOPY --from=${unsigned} /bin/busybox /bb\n`),
        ])
      ).code,
    ).toBe(0);
    await validateRoot(cli.root);
  });

  it("--signature-policy: a reject policy refuses FROM, insecureAcceptAnything lets it build", async () => {
    const reject = join(dir, "reject.json");
    writeFileSync(reject, JSON.stringify({ default: [{ type: "reject" }] }));
    const before = storeListing(cli.root);
    const d = ctx("policy", `FROM ${other}\nLABEL p=1\n`);
    const r = await cli.run(["build", "--signature-policy", reject, "-q", d]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^Error: .*reject/m);
    expect(storeListing(cli.root)).toEqual(before);
    const accept = join(dir, "accept.json");
    writeFileSync(accept, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
    const ok = await cli.run(["build", "--signature-policy", accept, "-q", d]);
    expect(ok.code, ok.stderr).toBe(0);
    await validateRoot(cli.root);
  });

  it("a FROM image the build pulled keeps its signatures; FROM and COPY --from images already local are checked with the kept ones, no registry asked", async () => {
    // The signed base was pulled under content trust by the first test: its signature is kept.
    const kept = JSON.parse(readFileSync(join(cli.root, "store", "index.json"), "utf8")).manifests.filter(
      (m: { annotations?: Record<string, string> }) => m.annotations?.["io.wharf.signature.subject"],
    );
    expect(kept).toHaveLength(1);
    await reg?.close();
    reg = undefined;
    const trust = "--disable-content-trust=false";
    const ok = await cli.run([
      "build",
      trust,
      "--progress",
      "plain",
      ctx("local-signed", `FROM ${signed}\nLABEL local=1\n`),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Verified .*alice\.pub .*signature from the store/);
    // The unsigned image is local too (pulled without content trust above): refused, nothing stored.
    const before = storeListing(cli.root);
    for (const [i, dockerfile] of [
      `FROM ${unsigned}\nLABEL local=2\n`,
      `FROM ${signed}\nCOPY --from=${unsigned} /bin/busybox /bb2\n`,
    ].entries()) {
      const r = await cli.run(["build", trust, "-q", ctx(`local-unsigned-${i}`, dockerfile)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^Error: .*refused by the signature policy/m);
      expect(r.stderr).toMatch(/^Hint: /m);
      expect(storeListing(cli.root)).toEqual(before);
    }
    await validateRoot(cli.root);
  });
});
