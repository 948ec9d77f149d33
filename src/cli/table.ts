import type { Command } from "./command.js";

/**
 * Every verb, by the words that name it. Modules load lazily so that a verb pays only for what it
 * uses at start-up. Add a row per verb file under `commands/`.
 */
export interface Entry {
  path: string[];
  aliases?: string[][];
  description: string;
  load: () => Promise<{ command: Command }>;
}

export const COMMANDS: Entry[] = [
  {
    path: ["trust", "key", "generate"],
    description: "Generate a signing key pair",
    load: () => import("./commands/trust-key.js"),
  },
  {
    path: ["trust", "sign"],
    description: "Sign an image",
    load: () => import("./commands/trust-sign.js"),
  },
  {
    path: ["trust", "inspect"],
    description: "Return low-level information about keys and signatures",
    load: () => import("./commands/trust-inspect.js"),
  },
  {
    path: ["trust", "revoke"],
    description: "Remove a key's signatures of an image",
    load: () => import("./commands/trust-revoke.js"),
  },
  {
    path: ["version"],
    description: "Show the wharf version information",
    load: () => import("./commands/version.js"),
  },
  {
    path: ["login"],
    description: "Authenticate to a registry",
    load: () => import("./commands/login.js"),
  },
  {
    path: ["logout"],
    description: "Log out from a registry",
    load: () => import("./commands/logout.js"),
  },
  {
    path: ["search"],
    description: "Search Docker Hub (or the registry TERM names) for images",
    load: () => import("./commands/search.js"),
  },
  {
    path: ["pull"],
    aliases: [["image", "pull"]],
    description: "Download an image from a registry",
    load: () => import("./commands/pull.js"),
  },
  {
    path: ["push"],
    aliases: [["image", "push"]],
    description: "Upload an image to a registry",
    load: () => import("./commands/push.js"),
  },
  {
    path: ["images"],
    aliases: [
      ["image", "ls"],
      ["image", "list"],
    ],
    description: "List images",
    load: () => import("./commands/images.js"),
  },
  {
    path: ["tag"],
    aliases: [["image", "tag"]],
    description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    load: () => import("./commands/tag.js"),
  },
  {
    path: ["rmi"],
    aliases: [
      ["image", "rm"],
      ["image", "remove"],
    ],
    description: "Remove one or more images",
    load: () => import("./commands/rmi.js"),
  },
  {
    path: ["history"],
    aliases: [["image", "history"]],
    description: "Show the history of an image",
    load: () => import("./commands/history.js"),
  },
  {
    path: ["inspect"],
    description: "Return low-level information on containers or images",
    load: () => import("./commands/inspect.js"),
  },
  {
    path: ["image", "inspect"],
    description: "Display detailed information on one or more images",
    load: () => import("./commands/image-inspect.js"),
  },
  {
    path: ["image", "prune"],
    description: "Remove unused images",
    load: () => import("./commands/image-prune.js"),
  },
  {
    path: ["save"],
    aliases: [["image", "save"]],
    description: "Save one or more images to a tar archive (streamed to STDOUT by default)",
    load: () => import("./commands/save.js"),
  },
  {
    path: ["load"],
    aliases: [["image", "load"]],
    description: "Load an image from a tar archive or STDIN",
    load: () => import("./commands/load.js"),
  },
  {
    path: ["image", "copy"],
    description: "Copy an image between registries, OCI layouts, archives and the local store",
    load: () => import("./commands/image-copy.js"),
  },
  {
    path: ["run"],
    aliases: [["container", "run"]],
    description: "Create and run a new container from an image",
    load: () => import("./commands/run.js"),
  },
  {
    path: ["create"],
    aliases: [["container", "create"]],
    description: "Create a new container",
    load: () => import("./commands/create.js"),
  },
  {
    path: ["ps"],
    aliases: [
      ["container", "ls"],
      ["container", "list"],
      ["container", "ps"],
    ],
    description: "List containers",
    load: () => import("./commands/ps.js"),
  },
  {
    path: ["rm"],
    aliases: [
      ["container", "rm"],
      ["container", "remove"],
    ],
    description: "Remove one or more containers",
    load: () => import("./commands/rm.js"),
  },
  {
    path: ["logs"],
    aliases: [["container", "logs"]],
    description: "Fetch the logs of a container",
    load: () => import("./commands/logs.js"),
  },
  {
    path: ["start"],
    aliases: [["container", "start"]],
    description: "Start one or more stopped containers",
    load: () => import("./commands/start.js"),
  },
  {
    path: ["stop"],
    aliases: [["container", "stop"]],
    description: "Stop one or more running containers",
    load: () => import("./commands/stop.js"),
  },
  {
    path: ["kill"],
    aliases: [["container", "kill"]],
    description: "Kill one or more running containers",
    load: () => import("./commands/kill.js"),
  },
  {
    path: ["wait"],
    aliases: [["container", "wait"]],
    description: "Block until one or more containers stop, then print their exit codes",
    load: () => import("./commands/wait.js"),
  },
  {
    path: ["exec"],
    aliases: [["container", "exec"]],
    description: "Execute a command in a running container",
    load: () => import("./commands/exec.js"),
  },
  {
    path: ["container", "prune"],
    description: "Remove all stopped containers",
    load: () => import("./commands/container-prune.js"),
  },
  {
    path: ["container", "inspect"],
    description: "Display detailed information on one or more containers",
    load: () => import("./commands/container-inspect.js"),
  },
  {
    path: ["volume", "create"],
    description: "Create a volume",
    load: () => import("./commands/volume-create.js"),
  },
  {
    path: ["volume", "ls"],
    aliases: [["volume", "list"]],
    description: "List volumes",
    load: () => import("./commands/volume-ls.js"),
  },
  {
    path: ["volume", "inspect"],
    description: "Display detailed information on one or more volumes",
    load: () => import("./commands/volume-inspect.js"),
  },
  {
    path: ["volume", "rm"],
    aliases: [["volume", "remove"]],
    description: "Remove one or more volumes",
    load: () => import("./commands/volume-rm.js"),
  },
  {
    path: ["volume", "prune"],
    description: "Remove unused local volumes",
    load: () => import("./commands/volume-prune.js"),
  },
  {
    path: ["manifest", "annotate"],
    description: "Add additional information to a local image manifest",
    load: () => import("./commands/manifest-annotate.js"),
  },
  {
    path: ["manifest", "create"],
    description: "Create a local manifest list for annotating and pushing to a registry",
    load: () => import("./commands/manifest-create.js"),
  },
  {
    path: ["manifest", "inspect"],
    description: "Display an image manifest, or manifest list",
    load: () => import("./commands/manifest-inspect.js"),
  },
  {
    path: ["manifest", "push"],
    description: "Push a manifest list to a repository",
    load: () => import("./commands/manifest-push.js"),
  },
  {
    path: ["manifest", "rm"],
    description: "Delete one or more manifest lists from local storage",
    load: () => import("./commands/manifest-rm.js"),
  },
  {
    path: ["network", "create"],
    description: "Create a network",
    load: () => import("./commands/network-create.js"),
  },
  {
    path: ["network", "ls"],
    aliases: [["network", "list"]],
    description: "List networks",
    load: () => import("./commands/network-ls.js"),
  },
  {
    path: ["network", "inspect"],
    description: "Display detailed information on one or more networks",
    load: () => import("./commands/network-inspect.js"),
  },
  {
    path: ["network", "rm"],
    aliases: [["network", "remove"]],
    description: "Remove one or more networks",
    load: () => import("./commands/network-rm.js"),
  },
  {
    path: ["network", "prune"],
    description: "Remove all unused networks",
    load: () => import("./commands/network-prune.js"),
  },
  {
    path: ["compose"],
    description: "Define and run multi-container applications (Docker Compose)",
    load: () => import("./commands/compose.js"),
  },
  {
    path: ["compose", "up"],
    description: "Create and start containers",
    load: () => import("./commands/compose-up.js"),
  },
  {
    path: ["compose", "down"],
    description: "Stop and remove containers, networks",
    load: () => import("./commands/compose-down.js"),
  },
  {
    path: ["compose", "ps"],
    description: "List containers",
    load: () => import("./commands/compose-ps.js"),
  },
  {
    path: ["compose", "logs"],
    description: "View output from containers",
    load: () => import("./commands/compose-logs.js"),
  },
  {
    path: ["compose", "config"],
    description: "Parse, resolve and render compose file in canonical format",
    load: () => import("./commands/compose-config.js"),
  },
  {
    path: ["compose", "build"],
    description: "Build or rebuild services",
    load: () => import("./commands/compose-build.js"),
  },
  {
    path: ["compose", "pull"],
    description: "Pull service images",
    load: () => import("./commands/compose-pull.js"),
  },
  {
    path: ["compose", "start"],
    description: "Start services",
    load: () => import("./commands/compose-start.js"),
  },
  {
    path: ["compose", "stop"],
    description: "Stop services",
    load: () => import("./commands/compose-stop.js"),
  },
  {
    path: ["compose", "restart"],
    description: "Restart service containers",
    load: () => import("./commands/compose-restart.js"),
  },
  {
    path: ["compose", "exec"],
    description: "Execute a command in a running container",
    load: () => import("./commands/compose-exec.js"),
  },
  {
    path: ["compose", "run"],
    description: "Run a one-off command on a service",
    load: () => import("./commands/compose-run.js"),
  },
  {
    path: ["compose", "ls"],
    description: "List running compose projects",
    load: () => import("./commands/compose-ls.js"),
  },
  {
    path: ["compose", "images"],
    description: "List images used by the created containers",
    load: () => import("./commands/compose-images.js"),
  },
  {
    path: ["compose", "top"],
    description: "Display the running processes",
    load: () => import("./commands/compose-top.js"),
  },
  {
    path: ["compose", "port"],
    description: "Print the public port for a port binding",
    load: () => import("./commands/compose-port.js"),
  },
  {
    path: ["compose", "cp"],
    description: "Copy files/folders between a service container and the local filesystem",
    load: () => import("./commands/compose-cp.js"),
  },
  {
    path: ["compose", "kill"],
    description: "Force stop service containers",
    load: () => import("./commands/compose-kill.js"),
  },
  {
    path: ["compose", "pause"],
    description: "Pause services",
    load: () => import("./commands/compose-pause.js"),
  },
  {
    path: ["compose", "unpause"],
    description: "Unpause services",
    load: () => import("./commands/compose-unpause.js"),
  },
  {
    path: ["compose", "rm"],
    description: "Removes stopped service containers",
    load: () => import("./commands/compose-rm.js"),
  },
  {
    path: ["compose", "create"],
    description: "Creates containers for a service",
    load: () => import("./commands/compose-create.js"),
  },
  {
    path: ["compose", "wait"],
    description: "Block until containers of all (or specified) services stop.",
    load: () => import("./commands/compose-wait.js"),
  },
  {
    path: ["compose", "watch"],
    description: "Watch build context for service and rebuild/refresh containers when files are updated",
    load: () => import("./commands/compose-watch.js"),
  },
  {
    path: ["compose", "version"],
    description: "Show the Docker Compose version information",
    load: () => import("./commands/compose-version.js"),
  },
  {
    path: ["compose", "push"],
    description: "Push service images",
    load: () => import("./commands/compose-push.js"),
  },
  {
    path: ["compose", "attach"],
    description: "Attach local standard input, output, and error streams to a service's running container",
    load: () => import("./commands/compose-attach.js"),
  },
  {
    path: ["compose", "stats"],
    description: "Display a live stream of container(s) resource usage statistics",
    load: () => import("./commands/compose-stats.js"),
  },
  {
    path: ["compose", "events"],
    description: "Receive real time events from containers",
    load: () => import("./commands/compose-events.js"),
  },
  {
    path: ["compose", "scale"],
    description: "Scale services ",
    load: () => import("./commands/compose-scale.js"),
  },
  {
    path: ["network", "connect"],
    description: "Connect a container to a network",
    load: () => import("./commands/network-connect.js"),
  },
  {
    path: ["network", "disconnect"],
    description: "Disconnect a container from a network",
    load: () => import("./commands/network-disconnect.js"),
  },
  {
    path: ["port"],
    aliases: [["container", "port"]],
    description: "List port mappings or a specific mapping for the container",
    load: () => import("./commands/port.js"),
  },
  {
    path: ["pause"],
    aliases: [["container", "pause"]],
    description: "Pause all processes within one or more containers",
    load: () => import("./commands/pause.js"),
  },
  {
    path: ["unpause"],
    aliases: [["container", "unpause"]],
    description: "Unpause all processes within one or more containers",
    load: () => import("./commands/unpause.js"),
  },
  {
    path: ["rename"],
    aliases: [["container", "rename"]],
    description: "Rename a container",
    load: () => import("./commands/rename.js"),
  },
  {
    path: ["restart"],
    aliases: [["container", "restart"]],
    description: "Restart one or more containers",
    load: () => import("./commands/restart.js"),
  },
  {
    path: ["update"],
    aliases: [["container", "update"]],
    description: "Update configuration of one or more containers",
    load: () => import("./commands/update.js"),
  },
  {
    path: ["top"],
    aliases: [["container", "top"]],
    description: "Display the running processes of a container",
    load: () => import("./commands/top.js"),
  },
  {
    path: ["stats"],
    aliases: [["container", "stats"]],
    description: "Display a live stream of container(s) resource usage statistics",
    load: () => import("./commands/stats.js"),
  },
  {
    path: ["attach"],
    aliases: [["container", "attach"]],
    description: "Attach local standard input, output, and error streams to a running container",
    load: () => import("./commands/attach.js"),
  },
  {
    path: ["events"],
    aliases: [["system", "events"]],
    description: "Get real time events from the server",
    load: () => import("./commands/events.js"),
  },
  {
    path: ["info"],
    aliases: [["system", "info"]],
    description: "Display system-wide information",
    load: () => import("./commands/info.js"),
  },
  {
    path: ["system", "df"],
    description: "Show docker disk usage",
    load: () => import("./commands/system-df.js"),
  },
  {
    path: ["system", "prune"],
    description: "Remove unused data",
    load: () => import("./commands/system-prune.js"),
  },
  {
    path: ["commit"],
    aliases: [["container", "commit"]],
    description: "Create a new image from a container's changes",
    load: () => import("./commands/commit.js"),
  },
  {
    path: ["cp"],
    aliases: [["container", "cp"]],
    description: "Copy files/folders between a container and the local filesystem",
    load: () => import("./commands/cp.js"),
  },
  {
    path: ["diff"],
    aliases: [["container", "diff"]],
    description: "Inspect changes to files or directories on a container's filesystem",
    load: () => import("./commands/diff.js"),
  },
  {
    path: ["export"],
    aliases: [["container", "export"]],
    description: "Export a container's filesystem as a tar archive",
    load: () => import("./commands/export.js"),
  },
  {
    path: ["import"],
    aliases: [["image", "import"]],
    description: "Import the contents from a tarball to create a filesystem image",
    load: () => import("./commands/import.js"),
  },
  {
    path: ["build"],
    aliases: [
      ["image", "build"],
      ["builder", "build"],
      // `docker buildx build` in scripts: the same builder (wharf's is BuildKit-like already).
      ["buildx", "build"],
    ],
    description: "Build an image from a Dockerfile",
    load: () => import("./commands/build.js"),
  },
  {
    path: ["builder", "prune"],
    aliases: [["buildx", "prune"]],
    description: "Remove build cache",
    load: () => import("./commands/builder-prune.js"),
  },
  {
    path: ["buildx", "bake"],
    // Docker 28's `docker bake`; buildx's own short alias `f`.
    aliases: [["bake"], ["buildx", "f"]],
    description: "Build from a file",
    load: () => import("./commands/bake.js"),
  },
  {
    path: ["buildx", "create"],
    description: "Create a new builder instance",
    load: () => import("./commands/buildx-create.js"),
  },
  {
    path: ["buildx", "du"],
    description: "Disk usage",
    load: () => import("./commands/buildx-du.js"),
  },
  {
    path: ["buildx", "inspect"],
    description: "Inspect current builder instance",
    load: () => import("./commands/buildx-inspect.js"),
  },
  {
    path: ["buildx", "ls"],
    description: "List builder instances",
    load: () => import("./commands/buildx-ls.js"),
  },
  {
    path: ["buildx", "use"],
    description: "Set the current builder instance",
    load: () => import("./commands/buildx-use.js"),
  },
  {
    path: ["buildx", "version"],
    description: "Show buildx version information",
    load: () => import("./commands/buildx-version.js"),
  },
  {
    path: ["buildx", "imagetools", "create"],
    description: "Create a new image based on source images",
    load: () => import("./commands/buildx-imagetools-create.js"),
  },
  {
    path: ["buildx", "imagetools", "inspect"],
    description: "Show details of an image in the registry",
    load: () => import("./commands/buildx-imagetools-inspect.js"),
  },
  {
    path: ["context", "ls"],
    aliases: [["context", "list"]],
    description: "List contexts",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.ls as Command })),
  },
  {
    path: ["context", "show"],
    description: "Print the name of the current context",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.show as Command })),
  },
  {
    path: ["context", "inspect"],
    description: "Display detailed information on one or more contexts",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.inspect as Command })),
  },
  {
    path: ["context", "use"],
    description: "Set the current docker context",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.use as Command })),
  },
  {
    path: ["context", "create"],
    description: "Create a context",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.create as Command })),
  },
  {
    path: ["context", "rm"],
    description: "Remove one or more contexts",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.rm as Command })),
  },
  {
    path: ["context", "update"],
    description: "Update a context",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.update as Command })),
  },
  {
    path: ["context", "export"],
    description: "Export a context to a tar archive FILE or a tar stream on STDOUT",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.export as Command })),
  },
  {
    path: ["context", "import"],
    description: "Import a context from a tar or zip file",
    load: () =>
      import("./commands/context-verbs.js").then((m) => ({ command: m.CONTEXT_COMMANDS.import as Command })),
  },
  {
    path: ["registry", "serve"],
    description: "Run an OCI registry (Distribution-compatible config)",
    load: () => import("./commands/registry-serve.js"),
  },
  {
    path: ["registry", "garbage-collect"],
    description: "Delete blobs that no manifest references",
    load: () => import("./commands/registry-garbage-collect.js"),
  },
];

/** Finds the entry whose words (or an alias's) are the longest prefix of `words`. */
export function findEntry(words: readonly string[]): { entry: Entry; used: number } | undefined {
  let best: { entry: Entry; used: number } | undefined;
  for (const entry of COMMANDS) {
    for (const path of [entry.path, ...(entry.aliases ?? [])]) {
      if (path.length <= words.length && path.every((w, i) => words[i] === w)) {
        if (!best || path.length > best.used) best = { entry, used: path.length };
      }
    }
  }
  return best;
}
