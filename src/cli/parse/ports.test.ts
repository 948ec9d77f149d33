import { describe, expect, it } from "vitest";
import { parseExpose, parsePortArg, parsePublish } from "./ports.js";

describe("-p and --expose as Docker reads them", () => {
  it("reads [IP:][HOST:]CONTAINER[/PROTO]", () => {
    expect(parsePublish("80")).toEqual([{ containerPort: 80, protocol: "tcp", hostIp: "", hostPort: "" }]);
    expect(parsePublish("8080:80")).toEqual([
      { containerPort: 80, protocol: "tcp", hostIp: "", hostPort: "8080" },
    ]);
    expect(parsePublish("127.0.0.1:8080:80/udp")).toEqual([
      { containerPort: 80, protocol: "udp", hostIp: "127.0.0.1", hostPort: "8080" },
    ]);
    expect(parsePublish("127.0.0.1::80")).toEqual([
      { containerPort: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: "" },
    ]);
    expect(parsePublish("[::1]:8080:80")[0]?.hostIp).toBe("::1");
  });

  it("pairs ranges, and lets a host range serve one container port", () => {
    expect(parsePublish("8000-8001:80-81").map((p) => `${p.hostPort}->${p.containerPort}`)).toEqual([
      "8000->80",
      "8001->81",
    ]);
    expect(parsePublish("8000-8010:80")).toEqual([
      { containerPort: 80, protocol: "tcp", hostIp: "", hostPort: "8000-8010" },
    ]);
    expect(parsePublish("80-82").map((p) => p.containerPort)).toEqual([80, 81, 82]);
  });

  it("reads the long form", () => {
    expect(parsePublish("published=8080,target=80,protocol=udp")).toEqual([
      { containerPort: 80, protocol: "udp", hostIp: "", hostPort: "8080" },
    ]);
    expect(parsePublish("target=80")).toEqual([
      { containerPort: 80, protocol: "tcp", hostIp: "", hostPort: "" },
    ]);
  });

  it("refuses what Docker refuses, in its words", () => {
    expect(() => parsePublish("abc")).toThrow("invalid containerPort: abc");
    expect(() => parsePublish("x:80:80")).toThrow("invalid IP address: x");
    expect(() => parsePublish("8080:")).toThrow("no port specified: <empty>");
    expect(() => parsePublish("8080:80/xyz")).toThrow("invalid proto: xyz");
    expect(() => parsePublish("8000-8002:80-81")).toThrow(
      "invalid ranges specified for container and host Ports: 80-81 and 8000-8002",
    );
    expect(() => parsePublish("99999:80")).toThrow("invalid hostPort: 99999");
  });

  it("reads --expose and port's argument", () => {
    expect(parseExpose("80")).toEqual(["80/tcp"]);
    expect(parseExpose("7000-7002/udp")).toEqual(["7000/udp", "7001/udp", "7002/udp"]);
    expect(() => parseExpose("x")).toThrow("invalid range format for --expose: x");
    expect(parsePortArg("53/udp")).toEqual({ port: 53, protocol: "udp" });
    expect(parsePortArg("80")).toEqual({ port: 80, protocol: "tcp" });
  });
});
