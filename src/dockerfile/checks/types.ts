/** One build-check finding, as BuildKit's linter reports it. */
export interface Finding {
  /** The rule's name (`JSONArgsRecommended`). */
  rule: string;
  /** The rule's message, BuildKit's exact text. */
  message: string;
  /** The 1-based line the finding is reported at (the instruction's first line). */
  line: number;
  /** The last line of the instruction (for the excerpt `--check` prints). */
  endLine: number;
  /** The rule's documentation page. */
  url: string;
  /** The rule's one-line description. */
  description: string;
}

export interface RuleInfo {
  name: string;
  description: string;
  url: string;
}

const doc = (slug: string) => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;

/** The rules BuildKit runs by default (`frontend/dockerfile/linter/ruleset.go`, non-experimental). */
export const RULES = {
  StageNameCasing: { description: "Stage names should be lowercase", slug: "stage-name-casing" },
  FromAsCasing: {
    description: "The 'as' keyword should match the case of the 'from' keyword",
    slug: "from-as-casing",
  },
  NoEmptyContinuation: {
    description: "Empty continuation lines will become errors in a future release",
    slug: "no-empty-continuation",
  },
  ConsistentInstructionCasing: {
    description: "All commands within the Dockerfile should use the same casing (either upper or lower)",
    slug: "consistent-instruction-casing",
  },
  DuplicateStageName: { description: "Stage names should be unique", slug: "duplicate-stage-name" },
  ReservedStageName: {
    description: "Reserved words should not be used as stage names",
    slug: "reserved-stage-name",
  },
  JSONArgsRecommended: {
    description:
      "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    slug: "json-args-recommended",
  },
  MaintainerDeprecated: {
    description: "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    slug: "maintainer-deprecated",
  },
  UndefinedArgInFrom: { description: "FROM command must use declared ARGs", slug: "undefined-arg-in-from" },
  WorkdirRelativePath: {
    description:
      "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
    slug: "workdir-relative-path",
  },
  UndefinedVar: { description: "Variables should be defined before their use", slug: "undefined-var" },
  MultipleInstructionsDisallowed: {
    description: "Multiple instructions of the same type should not be used in the same stage",
    slug: "multiple-instructions-disallowed",
  },
  LegacyKeyValueFormat: {
    description: "Legacy key/value format with whitespace separator should not be used",
    slug: "legacy-key-value-format",
  },
  RedundantTargetPlatform: {
    description:
      "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    slug: "redundant-target-platform",
  },
  SecretsUsedInArgOrEnv: {
    description: "Sensitive data should not be used in the ARG or ENV commands",
    slug: "secrets-used-in-arg-or-env",
  },
  InvalidDefaultArgInFrom: {
    description: "Default value for global ARG results in an empty or invalid base image name",
    slug: "invalid-default-arg-in-from",
  },
  FromPlatformFlagConstDisallowed: {
    description: "FROM --platform flag should not use a constant value",
    slug: "from-platform-flag-const-disallowed",
  },
  ExposeProtoCasing: {
    description: "Protocol in EXPOSE instruction should be lowercase",
    slug: "expose-proto-casing",
  },
  ExposeInvalidFormat: {
    description: "IP address and host-port mapping should not be used in EXPOSE instruction",
    slug: "expose-invalid-format",
  },
} as const;

export type RuleName = keyof typeof RULES;

export function ruleInfo(name: RuleName): RuleInfo {
  const r = RULES[name];
  return { name, description: r.description, url: doc(r.slug) };
}

/** A finding of `rule` at the lines `[line, endLine]`. */
export function finding(rule: RuleName, message: string, line: number, endLine = line): Finding {
  const info = ruleInfo(rule);
  return { rule, message, line, endLine, url: info.url, description: info.description };
}
