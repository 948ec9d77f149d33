import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage } from "./helpers/layout.js";
import { validateRoot } from "./helpers/validate.js";
import { WHARF_CMD } from "./helpers/wharf-cli.js";

/**
 * `docker.io` names go to Docker Hub's API host, registry-1.docker.io, with no setting. The stand-in:
 * a private network namespace (its own loopback) and mount namespace (its own /etc/hosts naming
 * registry-1.docker.io 127.0.0.1), where `wharf registry serve` answers on 127.0.0.1:443 with TLS
 * (a certificate for that name, trusted through NODE_EXTRA_CA_CERTS) and basic auth.
 */
describe("Docker Hub names", () => {
  let dir: string;
  let sections: Map<string, { status: number; output: string }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wharf-e2e-hub-"));
    const f = (name: string) => join(dir, name);
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
        ...["-keyout", f("key.pem"), "-out", f("cert.pem"), "-subj", "/CN=registry-1.docker.io"],
        ...["-addext", "subjectAltName=DNS:registry-1.docker.io"],
      ],
      { stdio: "ignore" },
    );
    writeFileSync(f("htpasswd"), execFileSync("htpasswd", ["-Bbn", "alice", "s3cret"]));
    writeFileSync(f("hosts"), "127.0.0.1 localhost\n127.0.0.1 registry-1.docker.io\n");
    mkdirSync(f("docker"));
    await addImage(f("layout"), {
      tag: "hub",
      gzip: 1,
      layers: [
        [
          { name: "bin/busybox", hostPath: "/bin/busybox", mode: 0o755 },
          ...["sh", "echo"].map((a) => ({ name: `bin/${a}`, linkTo: "busybox" })),
        ],
      ],
      cmd: ["echo", "hello from the hub"],
    });
    const script = `
      set -u
      ip link set lo up
      mount --bind "${f("hosts")}" /etc/hosts
      "${WHARF_CMD}" registry serve --addr 127.0.0.1:443 --root "${f("data")}" --htpasswd "${f("htpasswd")}" \\
        --tls-cert "${f("cert.pem")}" --tls-key "${f("key.pem")}" 2>"${f("registry.log")}" &
      reg=$!
      trap 'kill $reg; wait $reg' EXIT
      for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/443) 2>/dev/null && break; sleep 0.1; done
      skopeo copy -q --dest-cert-dir "${dir}/certs.d" --dest-tls-verify=false --dest-creds alice:s3cret \\
        "oci:${f("layout")}:hub" docker://registry-1.docker.io/library/busybox:latest
      step() { name="$1"; shift; out="$("$@" 2>&1)"; echo "### $name $?"; printf '%s\\n' "$out"; }
      w() { "${WHARF_CMD}" --root "${f("root")}" "$@"; }
      step pull-anonymous w pull busybox
      step login sh -c 'echo s3cret | "$0" --root "$1" login -u alice --password-stdin' "${WHARF_CMD}" "${f("root")}"
      step pull w pull busybox
      step run w run --rm --network host busybox  # the namespace's own network; /sys is the host's
      step tag w tag busybox alice/tool:1
      step push w push alice/tool:1
      step pull-pushed w pull docker.io/alice/tool:1
      step images w images --format '{{.Repository}}:{{.Tag}}'
    `;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_EXTRA_CA_CERTS: f("cert.pem"),
      DOCKER_CONFIG: f("docker"),
    };
    delete env.WHARF_DEFAULT_REGISTRY_API;
    const r = spawnSync("unshare", ["-n", "-m", "bash", "-c", script], {
      encoding: "utf8",
      env,
      timeout: 120_000,
    });
    sections = new Map();
    for (const part of r.stdout.split(/^### /m).slice(1)) {
      const [head = "", ...rest] = part.split("\n");
      const [name = "", status = ""] = head.split(" ");
      sections.set(name, { status: Number(status), output: rest.join("\n") });
    }
    if (sections.size === 0) throw new Error(`the namespace script failed: ${r.stderr}`);
  }, 180_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const step = (name: string) => {
    const s = sections.get(name);
    if (!s) throw new Error(`no output for ${name}: ${JSON.stringify([...sections.keys()])}`);
    return s;
  };

  it("pull asks registry-1.docker.io, and without credentials says so as Docker does", () => {
    const s = step("pull-anonymous");
    expect(s.status).toBe(1);
    expect(s.output).toContain("Error: no basic auth credentials");
    expect(s.output).not.toMatch(/docker\.io does not answer|ENOTFOUND/);
  });

  it("login with no server logs in to Docker Hub, stored under Docker's key", () => {
    const s = step("login");
    expect(s.status, s.output).toBe(0);
    expect(s.output).toContain("Login Succeeded");
    const config = JSON.parse(readFileSync(join(dir, "docker", "config.json"), "utf8"));
    expect(Object.keys(config.auths)).toEqual(["https://index.docker.io/v1/"]);
  });

  it("pull, run and push of docker.io names work through it", async () => {
    const pull = step("pull");
    expect(pull.status, pull.output).toBe(0);
    expect(pull.output).toContain("Using default tag: latest");
    expect(pull.output).toContain("latest: Pulling from library/busybox");
    expect(pull.output).toContain("Status: Downloaded newer image for busybox:latest");
    expect(pull.output).toContain("docker.io/library/busybox:latest");
    const run = step("run");
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain("hello from the hub");
    expect(step("tag").status).toBe(0);
    const push = step("push");
    expect(push.status, push.output).toBe(0);
    expect(push.output).toContain("The push refers to repository [docker.io/alice/tool]");
    expect(push.output).toMatch(/1: digest: sha256:[0-9a-f]{64} size: \d+/);
    expect(step("pull-pushed").status).toBe(0);
    expect(step("images").output.split("\n").filter(Boolean).sort()).toEqual([
      "alice/tool:1",
      "busybox:latest",
    ]);
    expect(await validateRoot(join(dir, "root"))).toMatchObject({ images: 1 });
  });
});
