// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text holds ${VAR} on purpose
import { describe, expect, it } from "vitest";
import { isWharfError, type WharfError } from "../errors/index.js";
import { parseDockerfile } from "./parse.js";

function error(text: string): WharfError {
  try {
    parseDockerfile(text, { file: "Dockerfile" });
  } catch (e) {
    if (isWharfError(e, "dockerfile-invalid")) return e;
    throw e;
  }
  throw new Error(`parsed without error:\n${text}`);
}

/** [Dockerfile, the error message it must give]: every one found before anything is built. */
const CASES: Array<[string, string]> = [
  ["FROM a\nRUNN x", "Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)"],
  ["FROM a\nfrobnicate x", "Dockerfile:2: unknown instruction: frobnicate"],
  ["RUN x\nFROM a", "Dockerfile:1: RUN: no build stage in current context"],
  ["ARG x=1\n", "Dockerfile:1: dockerfile contains no stages to build"],
  ["# only a comment\n\n", "Dockerfile:2: file with no instructions"],
  ["FROM", "Dockerfile:1: FROM requires either one or three arguments"],
  ["FROM a b", "Dockerfile:1: FROM requires either one or three arguments"],
  [
    "FROM a AS 1x",
    'Dockerfile:1: invalid name for build stage: "1x", name can\'t start with a number or contain symbols',
  ],
  ["FROM a AS x\nFROM b AS X", 'Dockerfile:2: duplicate stage name "x" (first at line 1)'],
  ["FROM a\nWORKDIR", "Dockerfile:2: WORKDIR requires exactly one argument"],
  ["FROM a\nRUN", "Dockerfile:2: RUN requires at least one argument"],
  ["FROM a\nEXPOSE", "Dockerfile:2: EXPOSE requires at least one argument"],
  [
    "FROM a\nCOPY only",
    "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined",
  ],
  ["FROM a\nENV x", "Dockerfile:2: ENV must have two arguments"],
  ["FROM a\nENV a=1 b", 'Dockerfile:2: Syntax error - can\'t find = in "b". Must be of the form: name=value'],
  ["FROM a\nLABEL =x", "Dockerfile:2: LABEL names can not be blank"],
  ["FROM a\nARG =x", "Dockerfile:2: ARG names can not be blank"],
  ["FROM a\nCOPY --chmodd=1 a b", "Dockerfile:2: unknown flag: --chmodd"],
  ["FROM a\nWORKDIR --x=1 /a", "Dockerfile:2: unknown flag: --x"],
  ["FROM a\nFROM b\nCOPY --from 0 a b", "Dockerfile:3: Missing a value on flag: --from"],
  ["FROM a\nCOPY --link=maybe a b", "Dockerfile:2: Expecting boolean value for flag --link, not: maybe"],
  ["FROM a\nCOPY --chown=1 --chown=2 a b", "Dockerfile:2: Duplicate flag specified: --chown"],
  ["FROM a\nSHELL /bin/sh -c", "Dockerfile:2: SHELL requires the arguments to be in JSON form"],
  ['FROM a\nSHELL ["/bin/sh", "-c"', "Dockerfile:2: SHELL requires the arguments to be in JSON form"],
  [
    'FROM a\nCMD ["a", 1]',
    "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only",
  ],
  ["FROM a\nCOPY --from=b x y\nFROM c AS b", "Dockerfile:2: --from=b names stage b, defined later (line 3)"],
  ["FROM a AS x\nCOPY --from=X a b", "Dockerfile:2: circular dependency detected on stage: x"],
  ["FROM a\nFROM b\nCOPY --from=5 a b", "Dockerfile:3: invalid stage index 5"],
  [
    "FROM a\nCOPY --from=$IMG a b",
    "Dockerfile:2: COPY --from doesn't support variable expansion, define alias stage instead",
  ],
  [
    "FROM a\nRUN --mount=from=later,target=/x true\nFROM b AS later",
    "Dockerfile:2: --from=later names stage later, defined later (line 3)",
  ],
  [
    "FROM a\nRUN --mount=type=cache,from=$X,target=/x true",
    "Dockerfile:2: 'from' doesn't support variable expansion, define alias stage instead",
  ],
  ["FROM a\nCOPY --chmod=999 a b", 'Dockerfile:2: invalid chmod value "999"'],
  ["FROM a\nADD --chmod=rwx a b", 'Dockerfile:2: invalid chmod value "rwx"'],
  ["FROM a\nONBUILD ONBUILD RUN x", "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
  ["FROM a\nONBUILD from b", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"],
  ["FROM a\nONBUILD MAINTAINER me", "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger"],
  ["FROM a\nONBUILD", "Dockerfile:2: ONBUILD requires at least one argument"],
  ["FROM a\nRUN <<EOF\necho hi\n", "Dockerfile:2: unterminated heredoc"],
  ["FROM a\nCOPY x <<EOF\nEOF", "Dockerfile:2: COPY cannot accept a heredoc as a destination"],
  ["# escape=x\nFROM a", "Dockerfile:1: invalid escape token 'x' does not match ` or \\"],
  ["# escape=`\n# escape=\\\nFROM a", "Dockerfile:2: only one escape parser directive can be used"],
  ["FROM a\nHEALTHCHECK --interval=5 CMD true", 'Dockerfile:2: time: invalid duration "5"'],
  ["FROM a\nHEALTHCHECK --timeout=10us CMD true", 'Dockerfile:2: Interval "timeout" cannot be less than 1ms'],
  ["FROM a\nHEALTHCHECK --retries=-1 CMD true", "Dockerfile:2: --retries cannot be negative (-1)"],
  ["FROM a\nHEALTHCHECK --retries=x CMD true", 'Dockerfile:2: strconv.ParseInt: parsing "x": invalid syntax'],
  ["FROM a\nHEALTHCHECK CMD", "Dockerfile:2: Missing command after HEALTHCHECK CMD"],
  ["FROM a\nHEALTHCHECK RUN true", 'Dockerfile:2: Unknown type "RUN" in HEALTHCHECK (try CMD)'],
  ["FROM a\nHEALTHCHECK NONE x", "Dockerfile:2: HEALTHCHECK NONE takes no arguments"],
  ["FROM a\nHEALTHCHECK --bogus=1 CMD true", "Dockerfile:2: unknown flag: --bogus"],
  ['FROM a\nVOLUME ["/a", " "]', "Dockerfile:2: VOLUME specified can not be an empty string"],
  ["FROM a\nRUN --mount=type=nfs,target=/x true", 'Dockerfile:2: unsupported mount type "nfs"'],
  [
    "FROM a\nRUN --mount=type=bind,target=/x,colour=red true",
    "Dockerfile:2: unexpected key 'colour' in 'colour=red'",
  ],
  [
    "FROM a\nRUN --mount=type=bind,target=/x,mode=0700 true",
    'Dockerfile:2: mode not allowed for "bind" type mounts',
  ],
  [
    "FROM a\nRUN --mount=type=bind,target=/x,sharing=locked true",
    "Dockerfile:2: invalid cache sharing set for bind mount",
  ],
  ["FROM a\nRUN --mount=type=cache true", "Dockerfile:2: mount type=cache requires a target"],
  [
    "FROM a\nRUN --mount=type=cache,target=/x,sharing=maybe true",
    'Dockerfile:2: unsupported sharing value "maybe"',
  ],
  ["FROM a\nRUN --mount=type=secret,id=a,src=b true", "Dockerfile:2: both source and id can't be set"],
  [
    "FROM a\nRUN --mount=type=secret true",
    "Dockerfile:2: invalid secret mount. one of source, target required",
  ],
  [
    "FROM a\nRUN --mount=type=bind,target=/x,required true",
    "Dockerfile:2: unexpected key 'required' for mount type 'bind'",
  ],
  ["FROM a\nRUN --mount=type=tmpfs,target=/x,size=lots true", "Dockerfile:2: invalid size: 'lots'"],
  ["FROM a\nRUN --network=bridge true", 'Dockerfile:2: unsupported network mode "bridge"'],
  ["FROM a\nRUN --security=weird true", 'Dockerfile:2: unsupported security mode "weird"'],
  [
    'FROM a\nENV x="unterminated',
    'Dockerfile:2: failed to process "\\"unterminated": unexpected end of statement while looking for matching double-quote',
  ],
  ["FROM a:${V", "Dockerfile:1: failed to process \"a:${V\": syntax error: missing '}'"],
  ["ARG V=${}\nFROM a", 'Dockerfile:1: failed to process "${}": syntax error: bad substitution'],
  ["FROM a\nRUN \\\n  --mount=type=nope \\\n  true", 'Dockerfile:2: unsupported mount type "nope"'],
];

describe("errors", () => {
  for (const [text, message] of CASES) {
    it(message, () => {
      const e = error(text);
      expect(e.message.startsWith(message), `${e.message}\n  does not start with\n${message}`).toBe(true);
      expect(e.hint).toBeTruthy();
      expect(e.exitStatus).toBe(1);
    });
  }

  it("accepts what BuildKit accepts around those errors", () => {
    const ok = [
      "FROM a AS x\nFROM x AS y\nCOPY --from=x a b\nRUN --mount=from=0,target=/m true",
      "FROM a\nCOPY --chmod=u+x,go-w a b\nCOPY --chmod=$MODE a b",
      "FROM a\nRUN --mount=type=cache,target=$DIR,id=$ID true",
      "FROM a\nHEALTHCHECK --interval=0 --retries=0 CMD true",
      "FROM b AS b\nCOPY --from=alpine:3 /x /y",
    ];
    for (const text of ok) expect(() => parseDockerfile(text, { file: "Dockerfile" }), text).not.toThrow();
  });
});
