/**
 * `manifest create LIST IMAGE...` (`-a/--amend`, `--insecure`): fetches each image's manifest and
 * platform from its registry and keeps them as a local list (manifest-lists.ts) until `manifest
 * push`; the docker CLI's messages.
 */
import { WharfError } from "../../errors/index.js";
import { openRepository } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import { manifestTransport } from "./manifest-inspect.js";
import {
  configPlatform,
  fetchForList,
  imageManifest,
  manifestsDir,
  readList,
  refName,
  removeList,
  writeEntry,
} from "./manifest-lists.js";
import { INSECURE_FLAG } from "./registry-options.js";

export const command: Command = {
  path: ["manifest", "create"],
  usage: "[OPTIONS] MANIFEST_LIST MANIFEST [MANIFEST...]",
  description: "Create a local manifest list for annotating and pushing to a registry",
  flags: [
    { name: "amend", short: "a", type: "bool", description: "Amend an existing manifest list" },
    { name: "insecure", type: "bool", description: "Allow communication with an insecure registry" },
    INSECURE_FLAG,
  ],
  minArgs: 2,
  async run(ctx, f) {
    const list = refName(f.args[0] as string);
    if (readList(manifestsDir(ctx), list.name) && !flag.bool(f, "amend")) {
      throw new WharfError("conflict", "refusing to amend an existing manifest list with no --amend flag", {
        hint: `add --amend, or remove it first: wharf manifest rm ${list.name}`,
      });
    }
    // Every image is fetched before anything is written: a failure leaves the list as it was.
    const entries = [];
    for (const arg of f.args.slice(1)) {
      const { ref, name } = refName(arg);
      const repo = openRepository(ref, manifestTransport(ctx, f, ref.domain));
      const m = await fetchForList(repo, ref, name);
      if (m.document.kind !== "manifest") {
        throw new WharfError("invalid-argument", `${name} is a manifest list`, {
          hint: "give the images of one platform each (a list's entries by digest: NAME@sha256:...)",
        });
      }
      entries.push(imageManifest(name, m, await configPlatform(repo, m)));
    }
    if (!flag.bool(f, "amend")) removeList(manifestsDir(ctx), list.name);
    for (const e of entries) writeEntry(manifestsDir(ctx), list.name, e);
    ctx.out(`Created manifest list ${list.name}`);
    return 0;
  },
};
