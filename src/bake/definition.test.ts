// biome-ignore-all lint/suspicious/noTemplateCurlyInString: bake's ${...} interpolation is what these strings hold
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type BakeFile,
  listTargets,
  loadDefinition,
  parseOverride,
  pathMatch,
  plan,
  printDefinition,
  tabTable,
} from "./index.js";

const def = (files: BakeFile[] | string, env: NodeJS.ProcessEnv = {}, cwd = "/nowhere") =>
  loadDefinition({
    files: typeof files === "string" ? [{ name: "docker-bake.hcl", text: files }] : files,
    cwd,
    env,
  });

const print = (
  files: BakeFile[] | string,
  names: string[] = [],
  env: NodeJS.ProcessEnv = {},
  set: string[] = [],
) => {
  const p = plan(def(files, env), names, set.map(parseOverride));
  return JSON.parse(printDefinition(p.groups, p.targets));
};

describe("bake definitions", () => {
  it("prints the docs' inheritance example as buildx does", () => {
    const file = `
target "app-dev" {
  args = {
    GO_VERSION = "1.20"
    BUILDX_EXPERIMENTAL = 1
  }
  tags = ["docker.io/username/myapp"]
  dockerfile = "app.Dockerfile"
  labels = {
    "org.opencontainers.image.source" = "https://github.com/username/myapp"
  }
}

target "_release" {
  args = {
    BUILDKIT_CONTEXT_KEEP_GIT_DIR = 1
    BUILDX_EXPERIMENTAL = 0
  }
}

target "app-release" {
  inherits = ["app-dev", "_release"]
  platforms = ["linux/amd64", "linux/arm64"]
}
`;
    const p = plan(def(file), ["app-release"], []);
    // The docs' output, byte for byte (Go's MarshalIndent).
    expect(printDefinition(p.groups, p.targets)).toBe(`{
  "group": {
    "default": {
      "targets": [
        "app-release"
      ]
    }
  },
  "target": {
    "app-release": {
      "context": ".",
      "dockerfile": "app.Dockerfile",
      "args": {
        "BUILDKIT_CONTEXT_KEEP_GIT_DIR": "1",
        "BUILDX_EXPERIMENTAL": "0",
        "GO_VERSION": "1.20"
      },
      "labels": {
        "org.opencontainers.image.source": "https://github.com/username/myapp"
      },
      "tags": [
        "docker.io/username/myapp"
      ],
      "platforms": [
        "linux/amd64",
        "linux/arm64"
      ]
    }
  }
}`);
  });

  it("expands a matrix into named targets and a group (the docs' example)", () => {
    const out = print(
      `target "app" {
  name = "app-\${tgt}"
  matrix = {
    tgt = ["foo", "bar"]
  }
  target = tgt
}`,
      ["app"],
    );
    expect(out).toEqual({
      group: { app: { targets: ["app-foo", "app-bar"] }, default: { targets: ["app"] } },
      target: {
        "app-bar": { context: ".", dockerfile: "Dockerfile", target: "bar" },
        "app-foo": { context: ".", dockerfile: "Dockerfile", target: "foo" },
      },
    });
    const multi = print(
      `target "app" {
  name = "app-\${tgt}-\${replace(version, ".", "-")}"
  matrix = {
    tgt = ["foo", "bar"]
    version = ["1.0", "2.0"]
  }
  args = { VERSION = version }
}`,
      ["app"],
    );
    expect(multi.group.app.targets).toEqual(["app-foo-1-0", "app-foo-2-0", "app-bar-1-0", "app-bar-2-0"]);
    expect(multi.target["app-bar-2-0"].args).toEqual({ VERSION: "2.0" });
  });

  it("takes variables from the environment, typed by their default or type", () => {
    const file = `
variable "TAG" { default = "latest" }
variable "N" { default = 1 }
variable "ON" { default = false }
variable "LIST" {
  type = list(string)
  default = []
}
variable "V" {
  default = "ok"
  validation {
    condition = V != "bad"
    error_message = "V must not be bad."
  }
}
target "default" {
  tags = ["app:\${TAG}"]
  args = { N = N + 1, ON = ON ? "yes" : "no", L = join("+", LIST), V = V }
}`;
    expect(print(file).target.default.args).toEqual({ L: "", N: "2", ON: "no", V: "ok" });
    const env = { TAG: "dev", N: "41", ON: "true", LIST: '["a","b"]' };
    const t = print(file, [], env).target.default;
    expect(t.tags).toEqual(["app:dev"]);
    expect(t.args).toEqual({ L: "a+b", N: "42", ON: "yes", V: "ok" });
    expect(() => print(file, [], { N: "x" })).toThrow(/failed to parse N as number/);
    // --var is over the environment
    const withVar = plan(
      loadDefinition({ files: [{ name: "f.hcl", text: file }], cwd: "/", env, vars: { TAG: "v" } }),
      [],
      [],
    );
    expect(withVar.targets.get("default")?.tags).toEqual(["app:v"]);
    expect(() => print(file, [], { V: "bad" })).toThrow(/Invalid value for variable; V must not be bad./);
  });

  it("user functions, target references, and the conditional tag of the docs", () => {
    const out = print(
      `
variable "TAG" {default="" }
function "increment" {
  params = [number]
  result = number + 1
}
target "webapp" {
  tags = ["my-image:latest", notequal("",TAG) ? "my-image:\${TAG}": ""]
  args = { buildno = "\${increment(123)}" }
}
target "db" {
  tags = ["\${target.webapp.tags[0]}-db"]
}`,
      ["webapp", "db"],
    );
    expect(out.target.webapp.tags).toEqual(["my-image:latest"]);
    expect(out.target.webapp.args).toEqual({ buildno: "124" });
    expect(out.target.db.tags).toEqual(["my-image:latest-db"]);
  });

  it("merges several files in order: later scalars and tags win, maps and cache-from merge", () => {
    const files = [
      {
        name: "a.hcl",
        text: 'target "x" {\n tags = ["a"]\n args = { A = "1" }\n cache-from = ["c1"]\n dockerfile = "A"\n}\n',
      },
      {
        name: "b.json",
        text: '{"target": {"x": {"tags": ["b"], "args": {"B": "${upper(\\"two\\")}"}, "cache-from": ["c2"]}}}',
      },
      { name: "c.hcl", text: 'X = "from-c"\ntarget "x" { dockerfile = "${X}" }\n' },
    ];
    const t = print(files, ["x"]).target.x;
    expect(t.tags).toEqual(["b"]);
    expect(t.args).toEqual({ A: "1", B: "TWO" });
    expect(t["cache-from"]).toEqual([
      { ref: "c1", type: "registry" },
      { ref: "c2", type: "registry" },
    ]);
    expect(t.dockerfile).toBe("from-c");
  });

  it("applies --set: patterns, subkeys, repeated and += values, platform lists", () => {
    const file =
      'target "foo-a" { tags = ["t0"] }\ntarget "foo-b" {}\ntarget "bar" {}\ngroup "default" { targets = ["foo-a", "foo-b", "bar"] }\n';
    const out = print(file, [], {}, [
      "foo*.args.X=1",
      "*.platform=linux/arm64,linux/amd64",
      "foo-a.tags=t1",
      "foo-a.tags=t2",
      "foo-b.tags+=u",
      "bar.no-cache",
    ]);
    expect(out.target["foo-a"].args).toEqual({ X: "1" });
    expect(out.target["foo-a"].tags).toEqual(["t1", "t2"]);
    expect(out.target["foo-b"].tags).toEqual(["u"]);
    expect(out.target.bar.args).toBeUndefined();
    expect(out.target.bar["no-cache"]).toBe(true);
    expect(out.target.bar.platforms).toEqual(["linux/arm64", "linux/amd64"]);
    expect(() => print(file, [], {}, ["nope.tags=x"])).toThrow("could not find any target matching 'nope'");
    // a target of the file that is not built is no error
    expect(print(file, ["bar"], {}, ["foo-a.tags=x"]).target["foo-a"]).toBeUndefined();
    expect(() => parseOverride("foo.bogus=1")).toThrow(/unknown key: bogus/);
    expect(pathMatch("foo*", "foo-a")).toBe(true);
    expect(pathMatch("f?o-[ab]", "foo-b")).toBe(true);
    expect(pathMatch("foo", "foo-a")).toBe(false);
  });

  it("names groups first, the default group or target, and refuses unknown targets", () => {
    const file =
      'target "default" { dockerfile-inline = "FROM ubuntu" }\ngroup "default" { targets = ["alpine"] }\ntarget "alpine" {}\n';
    const out = print(file);
    expect(Object.keys(out.target)).toEqual(["alpine"]);
    expect(() => print(file, ["nope"])).toThrow("failed to find target nope");
    expect(listTargets(def(file)).map((r) => [r.name, r.description])).toEqual([
      ["alpine", ""],
      ["default", "alpine"],
    ]);
    const listed = def(
      'group "all" {\n description = "Everything"\n targets = ["b", "a"]\n}\ntarget "a" { description = "The a" }\ntarget "b" {}\ntarget "_private" {}\n',
    );
    const rows = listTargets(listed);
    expect(rows).toEqual([
      { name: "a", description: "The a", group: false },
      { name: "all", description: "Everything (a, b)", group: true },
      { name: "b", description: "", group: false },
    ]);
    // buildx's tabwriter: tab padding to 8-column stops
    expect(tabTable([["TARGET", "DESCRIPTION"], ...rows.map((r) => [r.name, r.description])])).toBe(
      "TARGET\tDESCRIPTION\na\tThe a\nall\tEverything (a, b)\nb\t\n",
    );
    expect(
      tabTable([
        ["validate-golangci", "x"],
        ["a", "y"],
      ]),
    ).toBe("validate-golangci\tx\na\t\t\ty\n");
  });

  it("adds a target's target: context before it, and refuses cycles", () => {
    const out = plan(
      def('target "app" { contexts = { base = "target:base" } }\ntarget "base" {}\n'),
      ["app"],
      [],
    );
    expect([...out.targets.keys()]).toEqual(["base", "app"]);
    const loop =
      'target "a" { contexts = { b = "target:b" } }\ntarget "b" { contexts = { a = "target:a" } }\n';
    expect(() => plan(def(loop), ["a"], [])).toThrow(/infinite loop detected: a -> b -> a/);
    expect(() => plan(def('target "a" { contexts = { b = "target:zz" } }\n'), ["a"], [])).toThrow(
      "failed to find target zz",
    );
  });

  it("reads a Compose file as the docs show it (x-bake, image tags, default group)", () => {
    const dir = mkdtempSync(join(tmpdir(), "bake-compose-"));
    const compose = `services:
  webapp-dev:
    build: &build-dev
      dockerfile: Dockerfile.webapp
      tags:
        - docker.io/username/webapp:latest
      cache_from:
        - docker.io/username/webapp:cache
      cache_to:
        - docker.io/username/webapp:cache

  webapp-release:
    build:
      <<: *build-dev
      x-bake:
        platforms:
          - linux/amd64
          - linux/arm64

  db:
    image: docker.io/username/db
    build:
      dockerfile: Dockerfile.db
      args:
        - V=\${DB_VERSION:-1}
  cache:
    image: redis
`;
    writeFileSync(join(dir, "compose.yaml"), compose);
    const p = plan(
      loadDefinition({
        files: [{ name: "compose.yaml", text: compose }],
        cwd: dir,
        env: { DB_VERSION: "2" },
      }),
      [],
      [],
    );
    const out = JSON.parse(printDefinition(p.groups, p.targets));
    expect(out.group).toEqual({ default: { targets: ["db", "webapp-dev", "webapp-release"] } });
    expect(out.target.db).toEqual({
      context: ".",
      dockerfile: "Dockerfile.db",
      args: { V: "2" },
      tags: ["docker.io/username/db"],
    });
    expect(out.target["webapp-release"]).toEqual({
      context: ".",
      dockerfile: "Dockerfile.webapp",
      tags: ["docker.io/username/webapp:latest"],
      "cache-from": [{ ref: "docker.io/username/webapp:cache", type: "registry" }],
      "cache-to": [{ ref: "docker.io/username/webapp:cache", type: "registry" }],
      platforms: ["linux/amd64", "linux/arm64"],
    });
  });

  it("keeps paths relative to the working directory, or to the file with BUILDX_BAKE_FILE_RELATIVE_PATHS", () => {
    const files = [
      {
        name: "sub/docker-bake.hcl",
        text: 'target "a" {\n context = "ctx"\n contexts = { x = "../lib", y = "docker-image://alpine" }\n}\ntarget "b" {}\n',
      },
      { name: "sub/compose.yaml", text: "services:\n  c:\n    build: ./app\n" },
    ];
    const at = (fileRelative: boolean) => {
      const p = plan(loadDefinition({ files, cwd: "/w", env: {}, fileRelative }), ["a", "b", "c"], []);
      return [...p.targets].map(([n, t]) => [n, t.context, t.contexts]);
    };
    expect(at(false)).toEqual([
      ["a", "ctx", { x: "../lib", y: "docker-image://alpine" }],
      ["b", undefined, undefined],
      ["c", "./app", undefined],
    ]);
    expect(at(true)).toEqual([
      ["a", "sub/ctx", { x: "lib", y: "docker-image://alpine" }],
      ["b", "sub", undefined],
      ["c", "sub/app", undefined],
    ]);
  });

  it("refuses what buildx refuses, naming the file and line", () => {
    expect(() => print('target "x" {\n  dockerfile-inline = "FROM ${BASE_IMAGE}"\n}\n', ["x"])).toThrow(
      'docker-bake.hcl:2,31-41: Unknown variable; There is no variable named "BASE_IMAGE".',
    );
    expect(() => print('target "x" {\n  bogus = 1\n}\n', ["x"])).toThrow(
      /docker-bake.hcl:2,3-.*Unsupported argument; An argument named "bogus" is not expected here./,
    );
    expect(() =>
      print('variable "A" { default = B }\nvariable "B" { default = A }\ntarget "x" { tags = [A] }\n', ["x"]),
    ).toThrow(/variable cycle not allowed/);
  });
});
