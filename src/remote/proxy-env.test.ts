import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { validateRegistry } from "../images/testing/validate.js";
import { startTestRegistry, type TestRegistry } from "../registry/testing/server.js";
import { proxyEnv, proxyFor } from "./proxy-env.js";
import { startForwardProxy } from "./testing/forward-proxy.js";
import { makeImage, pushImage } from "./testing/images.js";
import { makePki } from "./testing/pki.js";
import { createTransport } from "./transport.js";

const temp = tempDirs("wharf-proxy-");

describe("proxyEnv and proxyFor (Go's ProxyFromEnvironment rules)", () => {
  const env = proxyEnv({
    HTTPS_PROXY: "proxy.corp:3128",
    https_proxy: "http://ignored:1",
    http_proxy: "http://plain.corp:8080",
    NO_PROXY: "internal.corp, .svc, 10.0.0.0/8, reg.corp:5000, [fd00::1]",
  });
  const via = (url: string) => proxyFor(new URL(url), env)?.host;

  it("takes the scheme's proxy, upper case first, a bare host:port as http://", () => {
    expect(env.https?.href).toBe("http://proxy.corp:3128/");
    expect(via("https://registry.example.com/v2/")).toBe("proxy.corp:3128");
    expect(via("http://registry.example.com/v2/")).toBe("plain.corp:8080");
  });

  it("never proxies loopback; NO_PROXY by domain, subdomain, CIDR and host:port", () => {
    for (const direct of [
      "https://localhost:5000/v2/",
      "https://127.0.0.1:5000/v2/",
      "https://[::1]:5000/v2/",
      "https://internal.corp/v2/",
      "https://reg.internal.corp/v2/",
      "https://a.svc/v2/",
      "https://10.1.2.3/v2/",
      "https://reg.corp:5000/v2/",
      "https://[fd00::1]/v2/",
    ]) {
      expect(via(direct), direct).toBeUndefined();
    }
    // ".svc" is subdomains only; the port must match; other addresses go through.
    for (const proxied of ["https://svc/v2/", "https://reg.corp:443/v2/", "https://11.0.0.1/v2/"]) {
      expect(via(proxied), proxied).toBe("proxy.corp:3128");
    }
    expect(
      proxyFor(new URL("https://x.test/"), proxyEnv({ HTTPS_PROXY: "p:1", NO_PROXY: "*" })),
    ).toBeUndefined();
  });

  it("refuses what it cannot use, clearly", () => {
    expect(() => proxyEnv({ HTTPS_PROXY: "socks5://p:1080" })).toThrow(
      "HTTPS_PROXY: socks5 proxies are not supported",
    );
    expect(() => proxyEnv({ HTTP_PROXY: "http://[bad" })).toThrow(/invalid proxy address/);
  });
});

describe("a registry through a forward proxy", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(async () => {
    await reg?.close();
  });

  it("pulls over plain HTTP with absolute URIs, with the proxy's credentials", async () => {
    const image = await makeImage({ layers: [20_000, 300] });
    const direct = createTransport(reg.host);
    try {
      await pushImage({ transport: direct, path: "via/proxy" }, image, "1");
    } finally {
      direct.close();
    }
    const port = reg.host.split(":")[1];
    const name = `registry.test:${port}`;
    const proxy = await startForwardProxy({ "registry.test": "127.0.0.1" }, { user: "u", password: "p w" });
    const t = createTransport(name, {
      proxies: proxyEnv({ HTTP_PROXY: proxy.url.replace("p w", "p%20w") }),
      insecureRegistries: [name],
    });
    try {
      expect(await validateRegistry({ transport: t, path: "via/proxy" }, "1")).toMatchObject({ images: 1 });
      expect(proxy.seen).toContain(`GET http://${name}/v2/via/proxy/manifests/1`);
      expect(proxy.seen.some((s) => s.startsWith(`GET http://${name}/v2/via/proxy/blobs/`))).toBe(true);
      // Without its credentials the proxy's 407 is said as such, for either scheme.
      for (const variable of ["HTTP_PROXY", "HTTPS_PROXY"]) {
        const bare = createTransport(name, {
          proxies: proxyEnv({ [variable]: proxy.url.replace("u:p w@", "") }),
          insecureRegistries: variable === "HTTP_PROXY" ? [name] : [],
        });
        await expect(bare.ping()).rejects.toMatchObject({
          code: "unauthorized",
          message: expect.stringContaining("asked for credentials: 407 Proxy Authentication Required"),
          hint: expect.stringContaining(variable),
        });
        bare.close();
      }
    } finally {
      t.close();
      await proxy.close();
    }
  });

  describe("HTTPS in a CONNECT tunnel", () => {
    let pki: string;
    let server: Server;
    let port: number;
    beforeAll(async () => {
      pki = temp();
      makePki(pki, "DNS:registry.test");
      server = createServer(
        { key: readFileSync(join(pki, "server.key")), cert: readFileSync(join(pki, "server.pem")) },
        (_req, res) => {
          res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
          res.end("{}");
        },
      );
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((ok) => server?.close(ok));
    });

    it("verifies the registry's certificate end to end (its CA from certs.d); the proxy sees only host:port", async () => {
      const name = `registry.test:${port}`;
      const certs = temp();
      mkdirSync(join(certs, name));
      writeFileSync(join(certs, name, "ca.crt"), readFileSync(join(pki, "ca.pem")));
      const proxy = await startForwardProxy({ "registry.test": "127.0.0.1" });
      const saved = process.env.WHARF_CERTS_DIRS;
      process.env.WHARF_CERTS_DIRS = certs;
      const t = createTransport(name, { proxies: proxyEnv({ HTTPS_PROXY: proxy.url }) });
      const untrusted = createTransport(name, { proxies: proxyEnv({ HTTPS_PROXY: proxy.url }) });
      try {
        expect((await t.ping()).base.href).toBe(`https://${name}/`);
        expect(proxy.seen).toEqual([`CONNECT ${name}`]);
        // Without the CA the same tunnel fails the certificate check (no plain-HTTP fallback: not insecure).
        delete process.env.WHARF_CERTS_DIRS;
        await expect(untrusted.ping()).rejects.toThrow(/certificate/);
      } finally {
        t.close();
        untrusted.close();
        await proxy.close();
        if (saved === undefined) delete process.env.WHARF_CERTS_DIRS;
        else process.env.WHARF_CERTS_DIRS = saved;
      }
    });
  });
});
