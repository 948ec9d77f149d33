import { WharfError } from "../../errors/index.js";

/** One item of Docker's `manifest.json`, as `docker save` writes it (and `podman save` too). */
export interface DockerManifestItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

function invalid(what: string): WharfError {
  return new WharfError("corrupt", `manifest.json is invalid: ${what}`, {
    hint: "the archive is damaged or was not made by docker save or podman save",
  });
}

/** Parses and checks `manifest.json`: an array of `{Config, RepoTags?, Layers}` with string paths. */
export function parseDockerManifest(bytes: Uint8Array): DockerManifestItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw invalid("not JSON");
  }
  if (!Array.isArray(doc)) throw invalid("not an array");
  return doc.map((x: unknown, i) => {
    const item = x as Record<string, unknown> | null;
    if (typeof item !== "object" || item === null) throw invalid(`item ${i} is not an object`);
    const { Config, RepoTags, Layers } = item;
    if (typeof Config !== "string" || Config === "") throw invalid(`item ${i} has no Config`);
    if (!Array.isArray(Layers) || Layers.some((l) => typeof l !== "string")) {
      throw invalid(`item ${i}: Layers must be an array of paths`);
    }
    if (RepoTags !== undefined && RepoTags !== null) {
      if (!Array.isArray(RepoTags) || RepoTags.some((t) => typeof t !== "string")) {
        throw invalid(`item ${i}: RepoTags must be an array of names`);
      }
    }
    return { Config, RepoTags: (RepoTags as string[] | null | undefined) ?? [], Layers: Layers as string[] };
  });
}
