import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { formatCheckSummary, lintViolationMessage, runChecks } from "./index.js";

const TEXT = "FROM alpine\nRUN true\nCMD echo hi\n";

describe("check output", () => {
  const findings = runChecks(parseDockerfile(TEXT, { file: "Dockerfile" }));

  it("the build's summary, as BuildKit prints it", () => {
    expect(formatCheckSummary(findings)).toEqual([
      " 1 warning found (use docker --debug to expand):",
      " - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 3)",
    ]);
    expect(formatCheckSummary([...findings, ...findings])[0]).toBe(
      " 2 warnings found (use docker --debug to expand):",
    );
    expect(formatCheckSummary([])).toEqual([]);
  });

  it("the error=true message names each rule once", () => {
    expect(lintViolationMessage([...findings, ...findings])).toBe(
      "lint violation found for rules: JSONArgsRecommended",
    );
  });
});
