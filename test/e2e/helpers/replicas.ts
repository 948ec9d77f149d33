import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { S3DriverOptions } from "../../../src/registry/driver/s3-client.js";
import { freshS3 } from "../../../src/registry/driver/testing/s3.js";
import {
  freePort,
  registryConfigYaml,
  type Server,
  s3StorageYaml,
  spawnServer,
} from "../../../src/registry/testing/distribution.js";
import { startRedis } from "../../../src/registry/testing/redis.js";
import { WHARF_BIN } from "./registries.js";

export const NGINX_BIN = "/usr/sbin/nginx";

/** A process the test started and stops by its PID. */
export interface Proc {
  pid: number;
  stop(): Promise<void>;
}

/** nginx in front of `upstreams` (round robin), on a free loopback port; stopped by PID. */
export async function startNginx(
  dir: string,
  upstreams: string[],
): Promise<Proc & { url: string; host: string }> {
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  await mkdir(join(dir, "nginx-tmp"), { recursive: true });
  await writeFile(
    conf,
    `user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/nginx-access.log;
  client_body_temp_path ${dir}/nginx-tmp/body;
  proxy_temp_path ${dir}/nginx-tmp/proxy;
  fastcgi_temp_path ${dir}/nginx-tmp/fastcgi;
  uwsgi_temp_path ${dir}/nginx-tmp/uwsgi;
  scgi_temp_path ${dir}/nginx-tmp/scgi;
  upstream wharf {
${upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=30s;`).join("\n")}
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location / {
      proxy_pass http://wharf;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_request_buffering off;
      proxy_buffering off;
    }
  }
}
`,
  );
  const child = spawn(NGINX_BIN, ["-p", dir, "-c", conf, "-g", "daemon off;"], {
    detached: true,
    stdio: "ignore",
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("nginx did not start");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await (await fetch(`${url}/v2/`)).arrayBuffer();
      break;
    } catch (e) {
      if (i > 100 || child.exitCode !== null) throw new Error(`nginx did not answer: ${e}`);
      await sleep(50);
    }
  }
  return {
    pid,
    url,
    host: `127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      process.kill(pid, "SIGQUIT");
      await Promise.race([exited, sleep(5000).then(() => process.kill(pid, "SIGKILL"))]);
      await exited;
    },
  };
}

export interface Replicas {
  dir: string;
  s3: S3DriverOptions;
  replicas: Server[];
  lb: Proc & { url: string; host: string };
  redis: Proc & { addr: string };
  /** Starts replica `i` again (after a kill) on its port. */
  restart(i: number): Promise<Server>;
  close(): Promise<void>;
}

/**
 * N `wharf registry serve` on one bucket (a fresh rootdirectory), one http.secret and one Redis
 * blob descriptor cache, behind nginx: the deployment the replica tests exercise.
 */
export async function startReplicas(n: number): Promise<Replicas> {
  const dir = await mkdtemp(join(tmpdir(), "wharf-replicas-"));
  const { options: s3, client, dispose } = await freshS3({ chunkSize: 5 << 20 });
  const redis = await startRedis(dir);
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const start = async (i: number) => {
    const config = join(dir, `replica-${i}.yml`);
    const extra = ["  secret: replicas-share-this", "redis:", `  addr: ${redis.addr}`].join("\n");
    const yaml = registryConfigYaml("", ports[i] as number, {
      storageYaml: s3StorageYaml(s3),
      extraYaml: extra,
    })
      .replace("  delete:\n", "  cache:\n    blobdescriptor: redis\n  delete:\n")
      .replace("  level: error\n", "  level: info\n")
      .replace("    disabled: true\n", "    disabled: false\n");
    await writeFile(config, yaml);
    return spawnServer({
      command: process.execPath,
      args: [WHARF_BIN, "registry", "serve", "--config", config],
      port: ports[i] as number,
    });
  };
  const replicas = await Promise.all(ports.map((_, i) => start(i)));
  const lb = await startNginx(
    dir,
    replicas.map((r) => r.host),
  );
  return {
    dir,
    s3,
    replicas,
    lb,
    redis,
    restart: async (i) => {
      const r = await start(i);
      replicas[i] = r;
      return r;
    },
    close: async () => {
      await lb.stop();
      await Promise.all(replicas.map((r) => r.stop()));
      await redis.stop();
      await dispose();
      client.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
