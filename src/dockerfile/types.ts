/**
 * The typed Dockerfile. Words are kept as written (quotes, `$VAR`s and escapes included) wherever
 * BuildKit expands them at build time; `expandInstruction` (expand.ts) turns them into values.
 */

/** Where an instruction is: the file and its 1-based first and last source lines. */
export interface SourceLocation {
  file: string;
  startLine: number;
  endLine: number;
}

/** A heredoc body: `<<EOF` (expand), `<<"EOF"`/`<<'EOF'` (no expansion), `<<-EOF` (leading tabs chomped). */
export interface Heredoc {
  name: string;
  /** Content as written, every line with its newline; not yet chomped. */
  content: string;
  expand: boolean;
  chomp: boolean;
  /** The file descriptor of `2<<EOF`; 0 when none was written. */
  fd: number;
}

/** A command in exec form (`["a", "b"]`) or shell form (`a b`, run through SHELL). */
export type CommandLine = { form: "exec"; args: string[] } | { form: "shell"; script: string };

interface Base {
  location: SourceLocation;
  /** The instruction as written, continuation lines joined, trimmed (BuildKit's `original`). */
  original: string;
}

export interface FromInstruction extends Base {
  kind: "FROM";
  /** Base image, stage name or `scratch`, as written (expanded with the global ARGs). */
  image: string;
  /** `AS name`, lower-cased as BuildKit does; undefined without `AS`. */
  name: string | undefined;
  platform: string | undefined;
}

export type MountSharing = "shared" | "private" | "locked";

export type RunMount =
  | { type: "bind"; target: string; source?: string; from?: string; readonly: boolean }
  | {
      type: "cache";
      target: string;
      id?: string;
      sharing: MountSharing;
      from?: string;
      source?: string;
      readonly: boolean;
      mode?: number;
      uid?: number;
      gid?: number;
    }
  | { type: "tmpfs"; target: string; size?: number }
  | {
      type: "secret";
      /** Defaults to the target's base name, as BuildKit does. */
      id: string;
      /** Defaults to `/run/secrets/<id>` unless `env` is set. */
      target?: string;
      env?: string;
      required: boolean;
      mode?: number;
      uid?: number;
      gid?: number;
    }
  | {
      type: "ssh";
      id: string;
      target?: string;
      required: boolean;
      mode?: number;
      uid?: number;
      gid?: number;
    };

export type RunNetwork = "default" | "none" | "host";

export interface RunInstruction extends Base {
  kind: "RUN";
  command: CommandLine;
  /** The `--mount` values as written; `mounts` is their parse, which `expandInstruction` redoes expanded. */
  mountSpecs: string[];
  /** Parsed mounts; a spec holding `$` is parsed only after expansion and is absent here until then. */
  mounts: RunMount[];
  network: RunNetwork | undefined;
  /** `--security=insecure` (BuildKit's privileged step, with `--allow security.insecure`) or `sandbox`. */
  security: "insecure" | "sandbox" | undefined;
  heredocs: Heredoc[];
}

export interface CmdInstruction extends Base {
  kind: "CMD";
  command: CommandLine;
}

export interface EntrypointInstruction extends Base {
  kind: "ENTRYPOINT";
  command: CommandLine;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface EnvInstruction extends Base {
  kind: "ENV";
  pairs: KeyValue[];
}

export interface LabelInstruction extends Base {
  kind: "LABEL";
  pairs: KeyValue[];
}

export interface ArgDecl {
  name: string;
  /** The default as written (expanded when the ARG is declared); undefined for `ARG NAME`. */
  default: string | undefined;
}

export interface ArgInstruction extends Base {
  kind: "ARG";
  args: ArgDecl[];
}

export interface WorkdirInstruction extends Base {
  kind: "WORKDIR";
  path: string;
}

export interface UserInstruction extends Base {
  kind: "USER";
  user: string;
}

export interface ExposeInstruction extends Base {
  kind: "EXPOSE";
  /** `80`, `80/tcp`, `8000-8010/udp`, as written; see `parseExposedPort`. */
  ports: string[];
}

export interface VolumeInstruction extends Base {
  kind: "VOLUME";
  paths: string[];
}

/** A file written from a heredoc source (`COPY <<EOF /dest`). */
export interface InlineFile {
  /** The heredoc's name, which is also the file's name. */
  name: string;
  /** Content, chomped for `<<-`; expanded by `expandInstruction` when `expand` is set. */
  content: string;
  expand: boolean;
}

/** An octal mode (`0755`) or a symbolic one (`u+x,g-w`, Dockerfile 1.14 and later). */
export type ChmodSpec = { octal: number } | { symbolic: string };

interface CopyBase extends Base {
  sources: string[];
  files: InlineFile[];
  dest: string;
  chown: string | undefined;
  chmod: string | undefined;
  link: boolean;
  excludes: string[];
}

export interface CopyInstruction extends CopyBase {
  kind: "COPY";
  /** A stage name, a stage index or an image; never expanded (BuildKit refuses variables here). */
  from: string | undefined;
  parents: boolean;
}

export interface AddInstruction extends CopyBase {
  kind: "ADD";
  keepGitDir: boolean;
  checksum: string | undefined;
}

/** Durations in nanoseconds, as in the image config; 0 or undefined means Docker's default. */
export interface HealthcheckInstruction extends Base {
  kind: "HEALTHCHECK";
  /** `["NONE"]`, `["CMD", ...args]` (exec form) or `["CMD-SHELL", script]`. */
  test: string[];
  interval: number | undefined;
  timeout: number | undefined;
  startPeriod: number | undefined;
  startInterval: number | undefined;
  retries: number | undefined;
}

export interface StopsignalInstruction extends Base {
  kind: "STOPSIGNAL";
  signal: string;
}

export interface MaintainerInstruction extends Base {
  kind: "MAINTAINER";
  maintainer: string;
}

export interface ShellInstruction extends Base {
  kind: "SHELL";
  shell: string[];
}

export interface OnbuildInstruction extends Base {
  kind: "ONBUILD";
  /** The trigger as stored in the image config (`OnBuild`): the text after ONBUILD, heredocs appended. */
  expression: string;
  trigger: Exclude<Instruction, OnbuildInstruction | FromInstruction | MaintainerInstruction>;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | EnvInstruction
  | LabelInstruction
  | ArgInstruction
  | WorkdirInstruction
  | UserInstruction
  | ExposeInstruction
  | VolumeInstruction
  | CopyInstruction
  | AddInstruction
  | HealthcheckInstruction
  | StopsignalInstruction
  | MaintainerInstruction
  | ShellInstruction
  | OnbuildInstruction;

/** What a stage holds after its FROM line. */
export type StageInstruction = Exclude<Instruction, FromInstruction>;

export interface Stage {
  index: number;
  /** Lower-cased `AS` name; stage names are case-insensitive. */
  name: string | undefined;
  from: FromInstruction;
  instructions: StageInstruction[];
}

export interface DockerfileWarning {
  line: number;
  message: string;
}

export interface Dockerfile {
  file: string;
  /** The escape character, `\` unless `# escape=` says otherwise. */
  escape: "\\" | "`";
  /** Parser directives found at the top (`syntax`, `escape`, `check`), lower-cased keys. */
  directives: Record<string, string>;
  /** ARG instructions before the first FROM: usable in FROM lines, re-declared inside stages. */
  globalArgs: ArgInstruction[];
  stages: Stage[];
  warnings: DockerfileWarning[];
}
