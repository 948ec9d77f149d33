import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { runChecks } from "./index.js";

const check = (text: string) =>
  runChecks(parseDockerfile(text, { file: "Dockerfile" })).map((f) => ({
    rule: f.rule,
    message: f.message,
    line: f.line,
  }));

describe("instruction rules", () => {
  it("ConsistentInstructionCasing: the minority's keywords, against the majority's case", () => {
    expect(check('FROM alpine\nRUN echo hello > /greeting.txt\nentrypoint ["/bin/sh"]\n')).toEqual([
      {
        rule: "ConsistentInstructionCasing",
        message: "Command 'entrypoint' should match the case of the command majority (uppercase)",
        line: 3,
      },
    ]);
    expect(check("from alpine\nrun echo hi\nRUN echo ho\n")).toEqual([
      {
        rule: "ConsistentInstructionCasing",
        message: "Command 'RUN' should match the case of the command majority (lowercase)",
        line: 3,
      },
    ]);
    expect(check("from alpine\nrun echo hi\n")).toEqual([]);
  });

  it("NoEmptyContinuation: at the instruction's first line", () => {
    expect(check("FROM alpine\nEXPOSE \\\n\n80\n")).toEqual([
      { rule: "NoEmptyContinuation", message: "Empty continuation line", line: 2 },
    ]);
    expect(check("FROM alpine\nEXPOSE \\\n# comment\n80\n")).toEqual([]);
  });

  it("JSONArgsRecommended: shell-form CMD and ENTRYPOINT, unless SHELL is set", () => {
    expect(check("FROM alpine\nENTRYPOINT my-program start\n")).toEqual([
      {
        rule: "JSONArgsRecommended",
        message:
          "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals",
        line: 2,
      },
    ]);
    expect(check("FROM alpine\nCMD echo hi\n")[0]?.message).toBe(
      "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals",
    );
    expect(check('FROM alpine\nENTRYPOINT ["my-program", "start"]\n')).toEqual([]);
    expect(check('FROM alpine\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT echo "hello world"\n')).toEqual([]);
  });

  it("MaintainerDeprecated", () => {
    expect(check("FROM alpine\nMAINTAINER moby@example.com\n")).toEqual([
      {
        rule: "MaintainerDeprecated",
        message: "Maintainer instruction is deprecated in favor of using label",
        line: 2,
      },
    ]);
    expect(check('FROM alpine\nLABEL org.opencontainers.image.authors="moby@example.com"\n')).toEqual([]);
  });

  it("MultipleInstructionsDisallowed: every CMD/ENTRYPOINT/HEALTHCHECK but a stage's last", () => {
    expect(check('FROM alpine\nENTRYPOINT ["echo", "1"]\nENTRYPOINT ["echo", "2"]\n')).toEqual([
      {
        rule: "MultipleInstructionsDisallowed",
        message:
          "Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be used",
        line: 2,
      },
    ]);
    expect(check('FROM alpine\nCMD ["a"]\nFROM alpine\nCMD ["b"]\n')).toEqual([]);
  });

  it("LegacyKeyValueFormat: ENV and LABEL without '='", () => {
    expect(check("FROM alpine\nENV ARG1 value\nLABEL a b\n")).toEqual([
      {
        rule: "LegacyKeyValueFormat",
        message: '"ENV key=value" should be used instead of legacy "ENV key value" format',
        line: 2,
      },
      {
        rule: "LegacyKeyValueFormat",
        message: '"LABEL key=value" should be used instead of legacy "LABEL key value" format',
        line: 3,
      },
    ]);
    expect(check('FROM alpine\nENV ARG1="value"\nLABEL a=b\n')).toEqual([]);
  });

  it("WorkdirRelativePath: a relative WORKDIR before any absolute one in the build", () => {
    expect(check("FROM alpine\nWORKDIR app/\n")).toEqual([
      {
        rule: "WorkdirRelativePath",
        message: 'Relative workdir "app/" can have unexpected results if the base image changes',
        line: 2,
      },
    ]);
    expect(check("FROM alpine\nWORKDIR /app\nWORKDIR src\n")).toEqual([]);
    expect(check("FROM alpine AS a\nWORKDIR /app\nFROM a\nWORKDIR src\n")).toEqual([]);
  });

  it("ExposeProtoCasing and ExposeInvalidFormat", () => {
    expect(check("FROM alpine\nEXPOSE 80/TcP 127.0.0.1:80:80 80:80 443/udp\n")).toEqual([
      {
        rule: "ExposeProtoCasing",
        message: "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase",
        line: 2,
      },
      {
        rule: "ExposeInvalidFormat",
        message:
          "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'",
        line: 2,
      },
      {
        rule: "ExposeInvalidFormat",
        message: "EXPOSE instruction should not define an IP address or host-port mapping, found '80:80'",
        line: 2,
      },
    ]);
    expect(check("FROM alpine\nEXPOSE 80/tcp 443\n")).toEqual([]);
  });

  it("SecretsUsedInArgOrEnv: secret-looking names in ARG and ENV; public ones pass", () => {
    expect(check('FROM scratch\nARG AWS_SECRET_ACCESS_KEY\nENV GITHUB_TOKEN="x"\n')).toEqual([
      {
        rule: "SecretsUsedInArgOrEnv",
        message: 'Do not use ARG or ENV instructions for sensitive data (ARG "AWS_SECRET_ACCESS_KEY")',
        line: 2,
      },
      {
        rule: "SecretsUsedInArgOrEnv",
        message: 'Do not use ARG or ENV instructions for sensitive data (ENV "GITHUB_TOKEN")',
        line: 3,
      },
    ]);
    expect(check("FROM scratch\nARG PUBLIC_KEY\nARG KEYBOARD\nENV MONKEY=1\n")).toEqual([]);
  });
});
