/**
 * `context ls|show|inspect|use` over wharf's one context, `default`: wharf works on this machine
 * itself, with no daemon to connect to, so its endpoint is empty. `context create|rm|update|export|
 * import` are refused: there is no other context to make or keep.
 */
import { WharfError } from "../../errors/index.js";
import { type Command, flag } from "../command.js";
import { formatterContext, renderFormat } from "../render/index.js";
import { FORMAT_FLAG } from "./common-flags.js";

const NAME = "default";
const DESCRIPTION = "wharf on this machine (no daemon)";

function noOther(name: string | undefined, verb: string): void {
  if (name !== undefined && name !== NAME) {
    throw new WharfError("not-found", `context "${name}" does not exist`, {
      hint: `wharf has one context, ${NAME} (this machine); ${verb} it, or leave the name out`,
    });
  }
}

const ls: Command = {
  path: ["context", "ls"],
  aliases: [["context", "list"]],
  usage: "[OPTIONS]",
  description: "List contexts",
  flags: [FORMAT_FLAG, { name: "quiet", short: "q", type: "bool", description: "Only show context names" }],
  maxArgs: 0,
  async run(ctx, f) {
    let format = flag.string(f, "format") ?? "";
    if (flag.bool(f, "quiet")) format = "{{.Name}}";
    else if (format === "" || format === "table") {
      format = "table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}";
    }
    const row = formatterContext("*formatter.clientContextContext", {
      Name: NAME,
      Current: true,
      Description: DESCRIPTION,
      DockerEndpoint: "",
      Error: "",
    });
    const text = renderFormat(format, [row], {
      headers: {
        Name: "NAME",
        Description: "DESCRIPTION",
        DockerEndpoint: "DOCKER ENDPOINT",
        Error: "ERROR",
      },
    });
    if (text !== "") ctx.out(text.replace(/\n$/, ""));
    return 0;
  },
};

const show: Command = {
  path: ["context", "show"],
  usage: "",
  description: "Print the name of the current context",
  flags: [],
  maxArgs: 0,
  async run(ctx) {
    ctx.out(NAME);
    return 0;
  },
};

const inspect: Command = {
  path: ["context", "inspect"],
  usage: "[OPTIONS] [CONTEXT] [CONTEXT...]",
  description: "Display detailed information on one or more contexts",
  flags: [{ ...FORMAT_FLAG, short: "f" }],
  async run(ctx, f) {
    const names = f.args.length > 0 ? f.args : [NAME];
    for (const n of names) noOther(n, "inspect");
    const doc = {
      Name: NAME,
      Metadata: { Description: DESCRIPTION },
      Endpoints: { docker: { Host: "", SkipTLSVerify: false } },
      TLSMaterial: {},
      Storage: { MetadataPath: "<IN MEMORY>", TLSPath: "<IN MEMORY>" },
    };
    const format = flag.string(f, "format");
    if (format) {
      const text = renderFormat(
        format,
        names.map(() => doc),
      );
      if (text !== "") ctx.out(text.replace(/\n$/, ""));
      return 0;
    }
    // Go's json.MarshalIndent with 4 spaces escapes < and >.
    const json = JSON.stringify(
      names.map(() => doc),
      null,
      4,
    )
      .replace(/</g, "\\u003c")
      .replace(/>/g, "\\u003e");
    ctx.out(json);
    return 0;
  },
};

const use: Command = {
  path: ["context", "use"],
  usage: "CONTEXT",
  description: "Set the current docker context",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    noOther(f.args[0], "use");
    ctx.out(NAME);
    ctx.err(`Current context is now "${NAME}"`);
    return 0;
  },
};

function refused(verb: string, description: string): Command {
  return {
    path: ["context", verb],
    usage: "[OPTIONS] CONTEXT",
    description,
    flags: [],
    interspersed: false,
    async run() {
      throw new WharfError(
        "unsupported",
        `wharf has no contexts to ${verb}: it works on this machine, with no daemon`,
        {
          hint: `its one context is ${NAME}; run wharf where the images and containers should be`,
        },
      );
    },
  };
}

export const CONTEXT_COMMANDS: Record<string, Command> = {
  ls,
  show,
  inspect,
  use,
  create: refused("create", "Create a context"),
  rm: refused("rm", "Remove one or more contexts"),
  update: refused("update", "Update a context"),
  export: refused("export", "Export a context to a tar archive FILE or a tar stream on STDOUT"),
  import: refused("import", "Import a context from a tar or zip file"),
};
