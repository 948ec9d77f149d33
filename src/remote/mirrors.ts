import { WharfError } from "../errors/index.js";
import type { HttpResponse } from "./http.js";
import type { RegistryRequest, Transport } from "./transport-types.js";

/**
 * Docker's `registry-mirrors` for Docker Hub: reads (`GET`, `HEAD`) go to the first mirror that
 * answers them, the others after it, and Docker Hub itself last; writes always go to Docker Hub.
 * A mirror that cannot be reached, answers 5xx, asks for credentials (401/403) or lacks what was
 * asked (404) is left for the rest of the transport's life, so that one image never mixes
 * sources beyond that first miss (every blob is checked against its digest anyway). Login, ping and
 * auth are Docker Hub's.
 */
export function mirroredTransport(hub: Transport, mirrors: readonly Transport[]): Transport {
  const failed = new Set<Transport>();
  const live = () => mirrors.filter((m) => !failed.has(m));
  const misses = (res: HttpResponse) =>
    res.status >= 500 || res.status === 401 || res.status === 403 || res.status === 404 || res.status === 429;
  return {
    domain: hub.domain,
    auth: hub.auth,
    ping: () => hub.ping(),
    async request(req: RegistryRequest) {
      if (req.method !== "GET" && req.method !== "HEAD") return hub.request(req);
      for (const m of live()) {
        let res: HttpResponse;
        try {
          res = await m.request(req);
        } catch (e) {
          if (e instanceof WharfError && e.code === "invalid-argument") throw e;
          failed.add(m);
          continue;
        }
        if (!misses(res)) return res;
        res.discard();
        failed.add(m);
      }
      return hub.request(req);
    },
    close() {
      for (const m of mirrors) m.close();
      hub.close();
    },
  };
}
