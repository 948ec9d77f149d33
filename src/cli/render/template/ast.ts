/**
 * The parsed template's shape: the nodes, pipelines, commands and arguments that parse.ts makes
 * and exec.ts runs.
 */

/** A parsed template: a list of nodes, executed by `execute` in exec.ts. */
export type Node =
  | { type: "text"; text: string }
  | { type: "action"; pos: number; pipe: Pipe }
  | { type: "if" | "range" | "with"; pos: number; pipe: Pipe; list: Node[]; elseList?: Node[] }
  | { type: "break" | "continue"; pos: number };

export interface Pipe {
  pos: number;
  /** Variables declared (`$x :=`) or assigned (`$x =`) by the pipeline. */
  decl: string[];
  assign: boolean;
  cmds: Command[];
}

export interface Command {
  pos: number;
  src: string;
  args: Arg[];
}

export type Arg = { pos: number; src: string } & (
  | { type: "field"; names: string[] }
  | { type: "variable"; name: string; names: string[] }
  | { type: "chain"; node: Arg; names: string[] }
  | { type: "dot" }
  | { type: "nil" }
  | { type: "bool"; value: boolean }
  | { type: "number"; value: number }
  | { type: "string"; value: string }
  | { type: "identifier"; name: string }
  | { type: "pipe"; pipe: Pipe }
);

export interface Template {
  source: string;
  nodes: Node[];
}
