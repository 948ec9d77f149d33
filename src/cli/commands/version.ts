import { hostPlatform } from "../../oci/index.js";
import type { Command } from "../command.js";
import { flag } from "../command.js";
import { VERSION } from "../version.js";

export const command: Command = {
  path: ["version"],
  usage: "[OPTIONS]",
  description: "Show the wharf version information",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output as JSON with 'json'" }],
  maxArgs: 0,
  async run(ctx, f) {
    const p = hostPlatform();
    const info = { Version: VERSION, NodeVersion: process.version, Os: p.os, Arch: p.architecture };
    if (flag.string(f, "format") === "json") {
      ctx.out(JSON.stringify(info));
      return 0;
    }
    ctx.out("Client: wharf");
    ctx.out(` Version:      ${info.Version}`);
    ctx.out(` Node version: ${info.NodeVersion}`);
    ctx.out(` OS/Arch:      ${info.Os}/${info.Arch}`);
    return 0;
  },
};
