import { getContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { reportError } from "../report.js";
import { attachSession } from "./attach-session.js";
import { runtimeContext } from "./container-common.js";
import { DETACH_KEYS_FLAG, detachKeysOf } from "./detach-keys.js";

export const command: Command = {
  path: ["attach"],
  aliases: [["container", "attach"]],
  usage: "[OPTIONS] CONTAINER",
  description: "Attach local standard input, output, and error streams to a running container",
  flags: [
    DETACH_KEYS_FLAG,
    { name: "no-stdin", type: "bool", description: "Do not attach STDIN" },
    {
      name: "sig-proxy",
      type: "bool",
      default: true,
      description: "Proxy all received signals to the process",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    try {
      const rec = await getContainer(rt, f.args[0] ?? "");
      const keys = detachKeysOf(flag.string(f, "detach-keys"), ctx.env);
      let detached = false;
      const code = await attachSession(ctx, rt, rec, {
        keys,
        stdin: rec.options.interactive === true && !flag.bool(f, "no-stdin"),
        sigProxy: flag.bool(f, "sig-proxy"),
        onDetach: () => {
          detached = true;
        },
      });
      if (!detached) return code;
      // Docker's CLI ends an attach left at the keys with its hijack's error: this line and 1
      // (`run -it` and `start -ai` take the same error for a clean end: 0, nothing said).
      ctx.err("read escape sequence");
      return 1;
    } catch (e) {
      reportError(ctx, e);
      return 1;
    }
  },
};
