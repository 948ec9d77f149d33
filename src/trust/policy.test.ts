import { describe, expect, it } from "vitest";
import { parseReference } from "../reference/index.js";
import { identityMatches } from "./identity.js";
import { type Identity, parsePolicy } from "./policy.js";
import { lookasideFor, mergeRegistriesFile, type RegistriesD, usesAttachments } from "./registries-d.js";
import { policyNamespaces, requirementsFor } from "./scope.js";

const ref = parseReference;

describe("policy.json parsing", () => {
  it("reads every requirement type and key form", () => {
    const p = parsePolicy(
      JSON.stringify({
        default: [{ type: "reject" }],
        transports: {
          docker: {
            "a.test/x": [{ type: "insecureAcceptAnything" }],
            "a.test/y": [{ type: "signedBy", keyType: "GPGKeys", keyPaths: ["/k1", "/k2"] }],
            "a.test/z": [{ type: "sigstoreSigned", keyData: Buffer.from("pem").toString("base64") }],
          },
        },
      }),
      "p.json",
    );
    expect(p.default).toEqual([{ type: "reject" }]);
    expect(p.transports.docker?.["a.test/y"]).toEqual([
      {
        type: "signedBy",
        keyType: "GPGKeys",
        keys: [{ path: "/k1" }, { path: "/k2" }],
        signedIdentity: { type: "matchRepoDigestOrExact" },
      },
    ]);
    expect(p.transports.docker?.["a.test/z"]?.[0]).toMatchObject({
      type: "sigstoreSigned",
      keys: [{ data: Buffer.from("pem") }],
    });
  });

  it.each([
    [{}, /default must be a non-empty list/],
    [{ default: [] }, /default must be a non-empty list/],
    [{ default: [{ type: "nope" }] }, /unknown requirement type "nope"/],
    [{ default: [{ type: "reject", extra: 1 }] }, /unknown field "extra"/],
    [
      { default: [{ type: "signedBy", keyType: "X509Certificates", keyPath: "/k" }] },
      /keyType "X509Certificates" is not supported/,
    ],
    [{ default: [{ type: "signedBy", keyType: "GPGKeys" }] }, /exactly one of keyPath/],
    [{ default: [{ type: "sigstoreSigned", keyPath: "/k", keyData: "AA==" }] }, /exactly one of keyPath/],
    [
      { default: [{ type: "sigstoreSigned", keyPath: "/k", signedIdentity: { type: "matchAll" } }] },
      /unknown signedIdentity type/,
    ],
    [
      { default: [{ type: "sigstoreSigned", keyPath: "/k", signedIdentity: { type: "exactReference" } }] },
      /dockerReference/,
    ],
  ])("refuses %j", (doc, msg) => {
    expect(() => parsePolicy(JSON.stringify(doc), "p.json")).toThrow(msg);
  });
});

describe("keyless requirements", () => {
  it("parse, and refuse only the images they apply to", async () => {
    const { evaluate } = await import("./evaluate.js");
    const p = parsePolicy(
      JSON.stringify({
        default: [{ type: "insecureAcceptAnything" }],
        transports: {
          docker: {
            "quay.example": [{ type: "sigstoreSigned", fulcio: { caPath: "/ca" }, rekorPublicKeyPath: "/r" }],
          },
        },
      }),
      "p.json",
    );
    const subject = (r: string) => ({
      digest: `sha256:${"0".repeat(64)}` as never,
      reference: ref(r),
      sigstore: async () => [],
      gpg: async () => [],
    });
    const opts = { gpgCache: "/nonexistent", gpgVerify: async () => ({ ok: false as const, reason: "" }) };
    await expect(
      evaluate(requirementsFor(p, "busybox").requirements, subject("busybox"), opts),
    ).resolves.toHaveLength(1);
    await expect(
      evaluate(requirementsFor(p, "quay.example/a").requirements, subject("quay.example/a:1"), opts),
    ).rejects.toThrow(/requirement sigstoreSigned with "fulcio" \(keyless signing\): wharf cannot verify/);
  });
});

describe("scopes", () => {
  const policy = parsePolicy(
    JSON.stringify({
      default: [{ type: "reject" }],
      transports: {
        docker: {
          "": [{ type: "insecureAcceptAnything" }],
          "reg.example.com": [{ type: "reject" }],
          "*.example.com": [{ type: "reject" }],
          "reg.example.com/team": [{ type: "insecureAcceptAnything" }],
          "reg.example.com/team/app:1": [{ type: "reject" }],
          "localhost:5000/app": [{ type: "reject" }],
        },
      },
    }),
    "p.json",
  );
  it("lists namespaces most specific first, wildcards for dotted hosts without port", () => {
    expect(policyNamespaces(ref("a.b.example.com/x/y"))).toEqual([
      "a.b.example.com/x/y",
      "a.b.example.com/x",
      "a.b.example.com",
      "*.b.example.com",
      "*.example.com",
      "*.com",
    ]);
    expect(policyNamespaces(ref("localhost:5000/a/b"))).toEqual([
      "localhost:5000/a/b",
      "localhost:5000/a",
      "localhost:5000",
    ]);
  });
  it.each([
    ["reg.example.com/team/app:1", 'docker "reg.example.com/team/app:1"'],
    ["reg.example.com/team/app:2", 'docker "reg.example.com/team"'],
    ["reg.example.com/other", 'docker "reg.example.com"'],
    ["mirror.example.com/other", 'docker "*.example.com"'],
    ["localhost:5000/app:any", 'docker "localhost:5000/app"'],
    ["busybox", "transport docker"],
  ])("%s → %s", (r, scope) => {
    expect(requirementsFor(policy, r).scope).toBe(scope);
  });
  it("falls back to default without the transport", () => {
    expect(requirementsFor(parsePolicy('{"default":[{"type":"reject"}]}', "p"), "busybox").scope).toBe(
      "default",
    );
  });
});

describe("signedIdentity", () => {
  const tagged = ref("reg.test/ns/app:1");
  const byDigest = ref(`reg.test/ns/app@sha256:${"a".repeat(64)}`);
  const cases: [Identity, typeof tagged, string, boolean][] = [
    [{ type: "matchExact" }, tagged, "reg.test/ns/app:1", true],
    [{ type: "matchExact" }, tagged, "reg.test/ns/app:2", false],
    [{ type: "matchExact" }, tagged, "reg.test/ns/app", false],
    [{ type: "matchExact" }, byDigest, "reg.test/ns/app", false],
    [{ type: "matchRepoDigestOrExact" }, tagged, "reg.test/ns/app:1", true],
    [{ type: "matchRepoDigestOrExact" }, tagged, "reg.test/ns/app:2", false],
    [{ type: "matchRepoDigestOrExact" }, byDigest, "reg.test/ns/app:whatever", true],
    [{ type: "matchRepoDigestOrExact" }, byDigest, "reg.test/ns/other:1", false],
    [{ type: "matchRepository" }, tagged, "reg.test/ns/app:9", true],
    [{ type: "matchRepository" }, tagged, "reg.test/ns/app", true],
    [{ type: "matchRepository" }, tagged, "other.test/ns/app:1", false],
    [
      { type: "exactReference", dockerReference: "reg.test/ns/app:release" },
      tagged,
      "reg.test/ns/app:release",
      true,
    ],
    [
      { type: "exactReference", dockerReference: "reg.test/ns/app:release" },
      tagged,
      "reg.test/ns/app:1",
      false,
    ],
    [
      { type: "exactRepository", dockerRepository: "reg.test/signed/app" },
      tagged,
      "reg.test/signed/app:x",
      true,
    ],
    [
      { type: "exactRepository", dockerRepository: "reg.test/signed/app" },
      tagged,
      "reg.test/ns/app:1",
      false,
    ],
    [
      { type: "remapIdentity", prefix: "reg.test/ns", signedPrefix: "origin.test/prod" },
      tagged,
      "origin.test/prod/app:1",
      true,
    ],
    [
      { type: "remapIdentity", prefix: "reg.test/ns", signedPrefix: "origin.test/prod" },
      tagged,
      "reg.test/ns/app:1",
      false,
    ],
    [
      { type: "remapIdentity", prefix: "reg.test/n", signedPrefix: "origin.test/prod" },
      tagged,
      "reg.test/ns/app:1",
      true,
    ],
    [
      { type: "remapIdentity", prefix: "reg.test", signedPrefix: "origin.test" },
      byDigest,
      "origin.test/ns/app:2",
      true,
    ],
    [{ type: "matchRepository" }, ref("busybox:1"), "busybox", true],
    [{ type: "matchRepository" }, tagged, "Not A Reference", false],
  ];
  it.each(cases)("%j image %j signed %s → %s", (identity, image, signed, ok) => {
    expect(identityMatches(identity, image, signed)).toBe(ok);
  });
});

describe("registries.d", () => {
  const c: RegistriesD = { defaultDocker: {}, docker: {} };
  const seen = {};
  mergeRegistriesFile(c, "default-docker:\n  sigstore: file:///var/sigs\n", "a.yaml", seen);
  mergeRegistriesFile(
    c,
    "docker:\n  reg.test/team:\n    lookaside: https://sigs.test/team\n    lookaside-staging: file:///srv/stage\n    use-sigstore-attachments: true\n",
    "b.yaml",
    seen,
  );
  it("picks the most specific scope, default-docker last; sigstore is lookaside's old name", () => {
    expect(lookasideFor(c, ref("reg.test/team/app:1"))).toBe("https://sigs.test/team");
    expect(lookasideFor(c, ref("reg.test/team/app:1"), true)).toBe("file:///srv/stage");
    expect(lookasideFor(c, ref("reg.test/other"))).toBe("file:///var/sigs");
    expect(usesAttachments(c, ref("reg.test/team/app"))).toBe(true);
    expect(usesAttachments(c, ref("reg.test/other"))).toBe(false);
  });
  it("refuses a scope defined twice", () => {
    expect(() => mergeRegistriesFile(c, "default-docker:\n  lookaside: file:///x\n", "c.yaml", seen)).toThrow(
      /already defined in a\.yaml/,
    );
  });
});
