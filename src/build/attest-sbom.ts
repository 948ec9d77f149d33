/**
 * `--sbom=true` (`--attest type=sbom`): an SPDX 2.3 document of the final image's OS packages, read
 * from the package managers' databases in the image's layers, as a scanner reads them: dpkg's
 * `/var/lib/dpkg/status` (packages whose status is `installed`) and apk's `/lib/apk/db/installed`.
 * BuildKit runs a scanner image (Syft) for this, which also finds language packages; wharf reads
 * only these two databases, and says so in the document's `comment`. An image with neither
 * database gets a document with no packages (honestly empty), as a scan of `scratch` would.
 */
import { randomUUID } from "node:crypto";
import { type InTotoStatement, STATEMENT_V01 } from "./attest.js";
import type { LayerView } from "./layer-view.js";
import { rfc3339 } from "./time.js";

export const SPDX_PREDICATE = "https://spdx.dev/Document";
export const DPKG_STATUS = "/var/lib/dpkg/status";
export const APK_INSTALLED = "/lib/apk/db/installed";

export interface OsPackage {
  type: "deb" | "apk";
  name: string;
  version: string;
  arch?: string;
  maintainer?: string;
  license?: string;
  /** The source package (dpkg `Source:`, apk `o:`), when it differs from the name. */
  source?: string;
  db: string;
}

/** `/etc/os-release` fields: ID and VERSION_ID, for the purls' `distro` qualifier. */
export function osRelease(text: string): { id?: string; versionId?: string } {
  const out: { id?: string; versionId?: string } = {};
  for (const line of text.split("\n")) {
    const m = /^(ID|VERSION_ID)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const v = (m[2] ?? "").replace(/^["']|["']$/g, "");
    if (m[1] === "ID") out.id = v;
    else out.versionId = v;
  }
  return out;
}

/** dpkg's status file: the paragraphs whose `Status` ends in `installed`. */
export function parseDpkgStatus(text: string): OsPackage[] {
  const out: OsPackage[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    let last = "";
    for (const line of para.split("\n")) {
      if (/^\s/.test(line) && last) continue; // continuation lines (Description, Conffiles)
      const i = line.indexOf(":");
      if (i <= 0) continue;
      last = line.slice(0, i);
      f.set(last, line.slice(i + 1).trim());
    }
    const name = f.get("Package");
    const status = f.get("Status") ?? "";
    if (!name || !/\binstalled$/.test(status) || /not-installed$/.test(status)) continue;
    const source = f.get("Source")?.split(" ")[0];
    out.push({
      type: "deb",
      name,
      version: f.get("Version") ?? "",
      ...(f.get("Architecture") ? { arch: f.get("Architecture") as string } : {}),
      ...(f.get("Maintainer") ? { maintainer: f.get("Maintainer") as string } : {}),
      ...(source && source !== name ? { source } : {}),
      db: DPKG_STATUS,
    });
  }
  return out;
}

/** apk's installed database: blocks of `K:value` lines (P name, V version, A arch, L license, o origin, m maintainer). */
export function parseApkInstalled(text: string): OsPackage[] {
  const out: OsPackage[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    for (const line of block.split("\n")) {
      const m = /^([A-Za-z]):(.*)$/.exec(line);
      if (m && !f.has(m[1] as string)) f.set(m[1] as string, m[2] as string);
    }
    const name = f.get("P");
    if (!name) continue;
    const origin = f.get("o");
    out.push({
      type: "apk",
      name,
      version: f.get("V") ?? "",
      ...(f.get("A") ? { arch: f.get("A") as string } : {}),
      ...(f.get("m") ? { maintainer: f.get("m") as string } : {}),
      ...(f.get("L") ? { license: f.get("L") as string } : {}),
      ...(origin && origin !== name ? { source: origin } : {}),
      db: APK_INSTALLED,
    });
  }
  return out;
}

/** The package's purl: `pkg:deb/debian/NAME@VERSION?arch=amd64&distro=debian-12`, `pkg:apk/alpine/...`. */
export function packagePurl(p: OsPackage, os: { id?: string; versionId?: string }): string {
  const ns = os.id ?? (p.type === "deb" ? "debian" : "alpine");
  const q: string[] = [];
  if (p.arch) q.push(`arch=${encodeURIComponent(p.arch)}`);
  if (os.id) q.push(`distro=${encodeURIComponent(os.versionId ? `${os.id}-${os.versionId}` : os.id)}`);
  if (p.source) q.push(`upstream=${encodeURIComponent(p.source)}`);
  return `pkg:${p.type}/${encodeURIComponent(ns)}/${encodeURIComponent(p.name)}@${encodeURIComponent(p.version)}${q.length ? `?${q.join("&")}` : ""}`;
}

const LICENSE_ID = /^[A-Za-z0-9.+-]+$/;

/** An SPDX license expression of apk's `L:` (space-separated ids joined with AND), else NOASSERTION. */
export function licenseExpression(l: string | undefined): string {
  if (!l) return "NOASSERTION";
  const words = l.trim().split(/\s+/);
  if (words.every((w) => LICENSE_ID.test(w) || w === "AND" || w === "OR" || w === "WITH")) {
    if (words.some((w) => w === "AND" || w === "OR" || w === "WITH")) return words.join(" ");
    return words.join(" AND ");
  }
  return "NOASSERTION";
}

const spdxId = (p: OsPackage, i: number) =>
  `SPDXRef-Package-${p.type}-${p.name.replace(/[^A-Za-z0-9.-]/g, "-")}-${i}`;

/** The image's OS packages, from its layers. */
export async function imagePackages(
  view: LayerView,
): Promise<{ packages: OsPackage[]; os: ReturnType<typeof osRelease> }> {
  const os = osRelease(
    (await view.readText("/etc/os-release")) || (await view.readText("/usr/lib/os-release")),
  );
  const packages = [
    ...parseDpkgStatus(await view.readText(DPKG_STATUS)),
    ...parseApkInstalled(await view.readText(APK_INSTALLED)),
  ];
  return { packages, os };
}

/** The SPDX 2.3 document of `packages` (`name`: the image's name, as scanners name the document). */
export function spdxDocument(
  name: string,
  packages: readonly OsPackage[],
  os: { id?: string; versionId?: string },
  created: Date,
): Record<string, unknown> {
  const pkgs = packages.map((p, i) => ({
    name: p.name,
    SPDXID: spdxId(p, i),
    versionInfo: p.version,
    supplier: p.maintainer ? `Person: ${p.maintainer}` : "NOASSERTION",
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    licenseConcluded: "NOASSERTION",
    licenseDeclared: licenseExpression(p.license),
    copyrightText: "NOASSERTION",
    ...(p.source
      ? { sourceInfo: `acquired package info from ${p.db} (source package ${p.source})` }
      : {
          sourceInfo: `acquired package info from ${p.db}`,
        }),
    externalRefs: [
      { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: packagePurl(p, os) },
    ],
  }));
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name,
    documentNamespace: `urn:uuid:${randomUUID()}`,
    comment: `OS packages read from ${DPKG_STATUS} and ${APK_INSTALLED} in the image's layers by wharf build; no other package types are scanned`,
    creationInfo: { creators: ["Tool: wharf"], created: rfc3339(created) },
    packages: pkgs,
    relationships: pkgs.map((p) => ({
      spdxElementId: "SPDXRef-DOCUMENT",
      relationshipType: "DESCRIBES",
      relatedSpdxElement: p.SPDXID,
    })),
  };
}

/** The in-toto statement of an SBOM about the image manifest `subject`. */
export function sbomStatement(
  subjects: InTotoStatement["subject"],
  doc: Record<string, unknown>,
): InTotoStatement {
  return { _type: STATEMENT_V01, predicateType: SPDX_PREDICATE, subject: subjects, predicate: doc };
}
