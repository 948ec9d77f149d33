import { describe, expect, it } from "vitest";
import { registryError } from "./errors.js";
import type { HttpResponse } from "./http.js";

function response(status: number, body = ""): HttpResponse {
  return {
    status,
    headers: {},
    url: new URL("http://127.0.0.1:5000/v2/app/blobs/sha256:abc"),
    body: (async function* () {
      if (body) yield Buffer.from(body);
    })(),
    discard: () => {},
  };
}

describe("registryError", () => {
  it("words refusals as Docker prints them: the registry's message, not what was being done", async () => {
    const head = await registryError(response(401), "cannot check blob sha256:abc in app");
    expect(head).toMatchObject({ code: "unauthorized", message: "unauthorized: authentication required" });
    const body = '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}';
    const denied = await registryError(response(403, body), "cannot push app:1");
    expect(denied.message).toBe("denied: requested access to the resource is denied");
    const other = await registryError(response(500), "cannot check blob sha256:abc in app");
    expect(other.message).toBe("cannot check blob sha256:abc in app: HTTP 500");
  });
});
