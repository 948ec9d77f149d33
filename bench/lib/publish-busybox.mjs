#!/usr/bin/env node
// Pushes a one-layer busybox image (Debian's static /bin/busybox, its applets as symlinks, an
// /etc/passwd) to a registry with wharf's own client. Usage: publish-busybox.mjs REGISTRY/NAME[:TAG]
import { readFileSync } from "node:fs";
import { publishImage } from "../../examples/lib/publish-image.mjs";

const target = process.argv[2];
if (!target) {
  console.error("usage: publish-busybox.mjs REGISTRY/NAME[:TAG]");
  process.exit(2);
}
const APPLETS = ["sh", "true", "false", "echo", "cat", "ls", "id", "env", "pwd", "sleep", "touch", "rm"];
const passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n";
const { name, digest, size } = await publishImage(target, {
  entries: [
    ...["bin", "etc", "tmp"].map((name) => ({ name, type: "directory", mode: 0o755 })),
    { name: "bin/busybox", mode: 0o755, content: readFileSync("/bin/busybox") },
    ...APPLETS.map((a) => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { name: "etc/passwd", content: Buffer.from(passwd) },
  ],
  config: { Cmd: ["sh"] },
  createdBy: "ADD busybox /bin",
});
console.log(`${name}: digest: ${digest} size: ${size}`);
