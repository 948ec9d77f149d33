import { describe, expect, it } from "vitest";
import {
  goDuration,
  goList,
  goPortSet,
  goQuote,
  goQuoteList,
  healthcheckHistory,
  runHistory,
} from "./history.js";

describe("BuildKit's history lines", () => {
  it("quotes as Go's %q", () => {
    expect(goQuote('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(goQuote("\u0001")).toBe('"\\x01"');
    expect(goQuoteList(["/bin/sh", "-c", "echo hi"])).toBe('["/bin/sh" "-c" "echo hi"]');
  });

  it("prints lists and port sets as Go's %v", () => {
    expect(goList(["/data", "/logs"])).toBe("[/data /logs]");
    expect(goPortSet(["8080/tcp", "53/udp", "8080/tcp"])).toBe("map[53/udp:{} 8080/tcp:{}]");
  });

  it("prints durations as Go does", () => {
    expect(goDuration(0)).toBe("0s");
    expect(goDuration(30e9)).toBe("30s");
    expect(goDuration(90e9)).toBe("1m30s");
    expect(goDuration(1.5e9)).toBe("1.5s");
    expect(goDuration(3_600_000_000_000)).toBe("1h0m0s");
    expect(goDuration(500e6)).toBe("500ms");
  });

  it("writes HEALTHCHECK and RUN as BuildKit does", () => {
    expect(
      healthcheckHistory({ Test: ["CMD-SHELL", "true"], Interval: 30e9, Timeout: 3e9, Retries: 3 }),
    ).toBe(`HEALTHCHECK &{["CMD-SHELL" "true"] "30s" "3s" "0s" "0s" '\\x03'}`);
    expect(runHistory(["/bin/sh", "-c", "make"], [])).toBe("RUN /bin/sh -c make # buildkit");
    expect(runHistory(["/bin/sh", "-c", "make"], [{ key: "V", value: "1" }])).toBe(
      "RUN |1 V=1 /bin/sh -c make # buildkit",
    );
  });
});
