import { compose, createSender, type HttpResponse } from "./http.js";
import { redirects } from "./middleware.js";
import { proxyEnv } from "./proxy-env.js";

/**
 * A plain `GET` of any URL (a build's `ADD https://...`), redirects followed, through the
 * environment's proxy as registry requests go (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`). The
 * response's `close` lets the connection go once its body has been read.
 */
export async function getUrl(
  url: URL,
  opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<HttpResponse & { close(): void }> {
  const sender = createSender({ proxies: proxyEnv(opts.env) });
  try {
    const send = compose(sender.send, redirects());
    const res = await send({ method: "GET", url, ...(opts.signal ? { signal: opts.signal } : {}) });
    return { ...res, close: () => sender.close() };
  } catch (e) {
    sender.close();
    throw e;
  }
}
