import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A test PKI in `dir` (openssl): `ca.pem`/`ca.key`, a server certificate `server.pem`/`server.key`
 * for `serverSan` (`IP:127.0.0.1`, `DNS:registry.test`), and a client certificate
 * `client.pem`/`client.key`, both signed by the CA.
 */
export function makePki(dir: string, serverSan = "IP:127.0.0.1"): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test CA"],
    ...["-keyout", "ca.key", "-out", "ca.pem"],
  );
  for (const [name, ext] of [
    ["server", `subjectAltName=${serverSan}`],
    ["client", "extendedKeyUsage=clientAuth"],
  ] as const) {
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    );
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    ssl(
      ...["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"],
      ...["-days", "1", "-extfile", `${name}.ext`, "-out", `${name}.pem`],
    );
  }
}
