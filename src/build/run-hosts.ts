import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readTextOr } from "../files/index.js";
import type { ResolvedMount } from "../runtime/index.js";

/** `--add-host HOST:IP` (or `HOST=IP`), read: `ip` is an address, or `host-gateway`. */
export interface ExtraHost {
  host: string;
  ip: string;
}

/** RUN's network shares the host's (`default`, `host`): the host itself is 127.0.0.1 there. */
const HOST_GATEWAY = "127.0.0.1";

/**
 * The /etc/hosts a RUN sees with `--add-host`: the file runTask would give it (the host's for the
 * host network, a minimal one for `none`), then one `IP<TAB>HOST` line per entry, in order, as
 * BuildKit appends them; written in the step's own directory and bind-mounted over the default.
 */
export function hostsMount(dir: string, network: string, extra: readonly ExtraHost[]): ResolvedMount {
  let text =
    network === "none"
      ? "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tbuildkitsandbox\n"
      : readTextOr("/etc/hosts", "127.0.0.1\tlocalhost\n");
  if (text !== "" && !text.endsWith("\n")) text += "\n";
  for (const h of extra) text += `${h.ip === "host-gateway" ? HOST_GATEWAY : h.ip}\t${h.host}\n`;
  const source = join(dir, "hosts-extra");
  writeFileSync(source, text);
  return { type: "bind", source, destination: "/etc/hosts", readOnly: false };
}
