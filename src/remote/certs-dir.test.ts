import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { certsDirs, registryTls } from "./certs-dir.js";
import { createSender, tlsOptions } from "./http.js";
import { makePki } from "./testing/pki.js";
import { createTransport } from "./transport.js";

const temp = tempDirs("wharf-certs-d-");

describe("registryTls (certs.d)", () => {
  it("reads *.crt as CAs and NAME.cert/NAME.key as the client pair, in Docker's words when one is missing", () => {
    const base = temp();
    const dir = join(base, "reg.test:5000");
    mkdirSync(dir);
    writeFileSync(join(dir, "ca.crt"), "CA PEM");
    writeFileSync(join(dir, "b.cert"), "B CERT");
    writeFileSync(join(dir, "b.key"), "B KEY");
    writeFileSync(join(dir, "a.cert"), "A CERT");
    writeFileSync(join(dir, "a.key"), "A KEY");
    writeFileSync(join(dir, "README"), "ignored");
    expect(registryTls("reg.test:5000", [join(base, "none"), base])).toEqual({
      ca: ["CA PEM"],
      cert: "A CERT",
      key: "A KEY",
      dirs: [dir],
    });
    expect(registryTls("other.test", [base])).toBeUndefined();
    writeFileSync(join(dir, "lone.cert"), "X");
    expect(() => registryTls("reg.test:5000", [base])).toThrow(
      "missing key lone.key for client certificate lone.cert. CA certificates must use the extension .crt",
    );
    writeFileSync(join(dir, "lone.key"), "X");
    writeFileSync(join(dir, "only.key"), "X");
    expect(() => registryTls("reg.test:5000", [base])).toThrow(
      "missing client certificate only.cert for key only.key",
    );
  });

  it("looks where Docker and the containers tools look, unless WHARF_CERTS_DIRS says", () => {
    expect(certsDirs({ HOME: "/home/u" })).toEqual([
      "/etc/docker/certs.d",
      "/etc/containers/certs.d",
      "/home/u/.config/containers/certs.d",
    ]);
    expect(certsDirs({ WHARF_CERTS_DIRS: "/a:/b" })).toEqual(["/a", "/b"]);
  });
});

describe("HTTPS with a registry's certs.d", () => {
  let pki: string;
  let server: Server;
  let host: string;
  beforeAll(async () => {
    pki = temp();
    makePki(pki);
    const read = (f: string) => readFileSync(join(pki, f));
    // A registry that only talks to clients with a certificate its CA signed.
    server = createServer(
      {
        key: read("server.key"),
        cert: read("server.pem"),
        ca: read("ca.pem"),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (_req, res) => {
        res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
        res.end("{}");
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A certs.d tree for the server's host with the given files from the PKI. */
  function certsD(files: Record<string, string>): string {
    const base = temp();
    mkdirSync(join(base, host));
    for (const [name, from] of Object.entries(files))
      writeFileSync(join(base, host, name), readFileSync(join(pki, from)));
    return base;
  }

  const get = async (tls: ReturnType<typeof registryTls>) => {
    const sender = createSender({ tls: () => tls });
    try {
      const res = await sender.send({ method: "GET", url: new URL(`https://${host}/v2/`) });
      res.discard();
      return res.status;
    } catch (e) {
      return (e as Error).message;
    } finally {
      sender.close();
    }
  };

  it("verifies the registry against its ca.crt and presents client.cert/client.key", async () => {
    // Neither the CA nor a client certificate: the server's certificate is not trusted.
    expect(await get(undefined)).toMatch(/certificate/);
    // The CA only: trusted, but the registry wants a client certificate.
    expect(await get(registryTls(host, [certsD({ "ca.crt": "ca.pem" })]))).not.toBe(200);
    const both = certsD({ "ca.crt": "ca.pem", "client.cert": "client.pem", "client.key": "client.key" });
    expect(await get(registryTls(host, [both]))).toBe(200);
  });

  it("an insecure registry's certificate is not verified: no trust store is built, its client pair is sent", async () => {
    const pair = certsD({ "client.cert": "client.pem", "client.key": "client.key" });
    const sender = createSender({ insecureTls: true, tls: () => registryTls(host, [pair]) });
    try {
      const res = await sender.send({ method: "GET", url: new URL(`https://${host}/v2/`) });
      res.discard();
      expect(res.status).toBe(200);
    } finally {
      sender.close();
    }
    const saved = process.env.WHARF_EXTRA_CA_CERTS;
    process.env.WHARF_EXTRA_CA_CERTS = join(pki, "ca.pem");
    try {
      // `ca: []`, not the system's roots with NODE_EXTRA_CA_CERTS's bundle, parsed for nothing.
      expect(tlsOptions(registryTls(host, [pair]), true)).toMatchObject({ ca: [] });
      const verified = tlsOptions(undefined, false).ca as string[];
      expect(verified).toEqual([...rootCertificates, readFileSync(join(pki, "ca.pem"), "utf8")]);
    } finally {
      if (saved === undefined) delete process.env.WHARF_EXTRA_CA_CERTS;
      else process.env.WHARF_EXTRA_CA_CERTS = saved;
    }
  });

  it("a transport finds the directory by the registry's host:port", async () => {
    const both = certsD({ "ca.crt": "ca.pem", "client.cert": "client.pem", "client.key": "client.key" });
    const saved = process.env.WHARF_CERTS_DIRS;
    process.env.WHARF_CERTS_DIRS = both;
    const t = createTransport(host);
    try {
      expect((await t.ping()).base.protocol).toBe("https:");
    } finally {
      t.close();
      if (saved === undefined) delete process.env.WHARF_CERTS_DIRS;
      else process.env.WHARF_CERTS_DIRS = saved;
    }
  });
});
