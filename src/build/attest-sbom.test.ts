import { describe, expect, it } from "vitest";
import {
  imagePackages,
  licenseExpression,
  osRelease,
  packagePurl,
  parseApkInstalled,
  parseDpkgStatus,
  spdxDocument,
} from "./attest-sbom.js";

const DPKG = `Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: removed
Status: deinstall ok config-files
Version: 1.0

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
`;

const APK = `C:Q1abc=
P:musl
V:1.2.5-r0
A:x86_64
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>

P:ssl_client
V:1.36.1-r29
A:x86_64
L:GPL-2.0-only
o:busybox
`;

describe("package databases", () => {
  it("dpkg: installed packages only, source and maintainer", () => {
    expect(parseDpkgStatus(DPKG)).toEqual([
      {
        type: "deb",
        name: "libc6",
        version: "2.36-9+deb12u4",
        arch: "amd64",
        maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
        source: "glibc",
        db: "/var/lib/dpkg/status",
      },
      { type: "deb", name: "bash", version: "5.2.15-2+b2", arch: "amd64", db: "/var/lib/dpkg/status" },
    ]);
  });

  it("apk: P/V/A/L/o/m", () => {
    const pkgs = parseApkInstalled(APK);
    expect(pkgs.map((p) => [p.name, p.version, p.license, p.source])).toEqual([
      ["musl", "1.2.5-r0", "MIT", undefined],
      ["ssl_client", "1.36.1-r29", "GPL-2.0-only", "busybox"],
    ]);
  });

  it("purls and licenses", () => {
    const os = osRelease('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\n');
    expect(os).toEqual({ id: "alpine", versionId: "3.20.0" });
    const [, ssl] = parseApkInstalled(APK);
    expect(packagePurl(ssl as never, os)).toBe(
      "pkg:apk/alpine/ssl_client@1.36.1-r29?arch=x86_64&distro=alpine-3.20.0&upstream=busybox",
    );
    expect(licenseExpression("MIT BSD-2-Clause")).toBe("MIT AND BSD-2-Clause");
    expect(licenseExpression("GPL-2.0-or-later OR MIT")).toBe("GPL-2.0-or-later OR MIT");
    expect(licenseExpression("custom:weird, thing")).toBe("NOASSERTION");
    expect(licenseExpression(undefined)).toBe("NOASSERTION");
  });

  it("reads both databases and os-release through a layer view", async () => {
    const files: Record<string, string> = {
      "/etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
      "/var/lib/dpkg/status": DPKG,
    };
    const view = { stat: async () => undefined, readText: async (p: string) => files[p] ?? "" };
    const { packages, os } = await imagePackages(view);
    expect(os).toEqual({ id: "debian", versionId: "12" });
    expect(packages.map((p) => p.name)).toEqual(["libc6", "bash"]);
    const doc = spdxDocument("app:1", packages, os, new Date("2026-01-01T00:00:00Z")) as {
      spdxVersion: string;
      packages: { name: string; externalRefs: { referenceLocator: string }[] }[];
      relationships: unknown[];
      creationInfo: { created: string };
    };
    expect(doc.spdxVersion).toBe("SPDX-2.3");
    expect(doc.packages[0]?.externalRefs[0]?.referenceLocator).toBe(
      "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc",
    );
    expect(doc.relationships).toHaveLength(2);
    expect(doc.creationInfo.created).toBe("2026-01-01T00:00:00Z");
  });
});
