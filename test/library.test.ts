import { describe, expect, it } from "vitest";
import { digest, oci, reference, registry, remote, WharfError } from "../src/index.js";

describe("the library entry point", () => {
  it("exposes each module under its name", async () => {
    const ref = reference.parseReference("busybox");
    expect(reference.formatReference(reference.withDefaultTag(ref))).toBe("docker.io/library/busybox:latest");
    expect(digest.digestOf(new TextEncoder().encode(""))).toBe(
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(oci.MediaType.ociManifest).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(() => reference.parseReference("UPPER")).toThrow(WharfError);
  });

  it("wires a registry and the client together", async () => {
    const server = await (await import("../src/registry/testing/server.js")).startTestRegistry();
    try {
      const repo = remote.openRepository(reference.parseReference(`${server.host}/lib/test`));
      const blob = new TextEncoder().encode("hello library");
      const desc = { digest: digest.digestOf(blob), size: blob.byteLength };
      await remote.uploadBlob(repo, desc, () => digest.bytesOf(blob));
      expect(await remote.statBlob(repo, desc.digest)).toBe(blob.byteLength);
      expect(typeof registry.createRegistry).toBe("function");
    } finally {
      await server.close();
    }
  });
});
