import { describe, expect, it } from "vitest";
import { specJson } from "./spec-json.js";

describe("specJson", () => {
  it("writes an rlimit's -1 as RLIM_INFINITY's literal, and a bigint as its own", () => {
    const spec = {
      process: {
        rlimits: [
          { type: "RLIMIT_NPROC", hard: -1, soft: -1 },
          { type: "RLIMIT_NOFILE", hard: 9, soft: 8 },
        ],
      },
      linux: { seccomp: { syscalls: [{ args: [{ index: 0, value: 2n ** 63n }] }] } },
      annotations: { soft: "-1" },
    };
    expect(specJson(spec)).toBe(
      '{"process":{"rlimits":[{"type":"RLIMIT_NPROC","hard":18446744073709551615,"soft":18446744073709551615},' +
        '{"type":"RLIMIT_NOFILE","hard":9,"soft":8}]},' +
        '"linux":{"seccomp":{"syscalls":[{"args":[{"index":0,"value":9223372036854775808}]}]}},' +
        '"annotations":{"soft":"-1"}}',
    );
  });

  it("is JSON.stringify's text when there is nothing to write exactly", () => {
    const spec = { process: { rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }] }, hostname: "h" };
    expect(specJson(spec)).toBe(JSON.stringify(spec));
  });
});
