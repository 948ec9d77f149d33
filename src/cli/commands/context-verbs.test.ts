import { describe, expect, it } from "vitest";
import { runCli } from "../testing/capture.js";

describe("context verbs over wharf's one context", () => {
  it("ls, show, inspect and use name default, as the docker CLI prints them", async () => {
    expect((await runCli(["context", "ls"])).stdout).toBe(
      "NAME        DESCRIPTION                         DOCKER ENDPOINT   ERROR\n" +
        "default *   wharf on this machine (no daemon)                     \n",
    );
    expect(JSON.parse((await runCli(["context", "ls", "--format", "json"])).stdout)).toEqual({
      Current: true,
      Description: "wharf on this machine (no daemon)",
      DockerEndpoint: "",
      Error: "",
      Name: "default",
    });
    expect((await runCli(["context", "ls", "-q"])).stdout).toBe("default\n");
    expect((await runCli(["context", "show"])).stdout).toBe("default\n");
    const inspected = await runCli(["context", "inspect"]);
    expect(JSON.parse(inspected.stdout)[0]).toMatchObject({
      Name: "default",
      Endpoints: { docker: { Host: "" } },
    });
    expect(inspected.stdout).toContain('"MetadataPath": "\\u003cIN MEMORY\\u003e"');
    expect((await runCli(["context", "inspect", "-f", "{{.Name}}", "default"])).stdout).toBe("default\n");
    const used = await runCli(["context", "use", "default"]);
    expect(used).toMatchObject({
      status: 0,
      stdout: "default\n",
      stderr: 'Current context is now "default"\n',
    });
  });

  it("refuses another context and the verbs that would make or keep one", async () => {
    const other = await runCli(["context", "use", "prod"]);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('context "prod" does not exist');
    expect((await runCli(["context", "inspect", "default", "prod"])).status).toBe(1);
    for (const verb of ["create", "rm", "update", "export", "import"]) {
      const r = await runCli(["context", verb, "x"]);
      expect(r.status, verb).toBe(1);
      expect(r.stderr, verb).toContain(`wharf has no contexts to ${verb}`);
    }
  });
});
