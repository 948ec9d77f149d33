import { NOT_FRAMED, relayGet } from "../../http1/index.js";
import { s3Error } from "./s3-client.js";
import type { Presigner } from "./s3-presign.js";
import type { FileSender } from "./types.js";

/** How long the relay waits for the object store's answer to begin. */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * A blob streamed from a plain-HTTP object store to a response (`storage.redirect.disable`): a GET
 * of the object's presigned URL relayed through a ring of read buffers (`http1/relay.ts`), which
 * allocates nothing per read, instead of the SDK's answer piped (a new buffer per 64 KiB, most of
 * a replica's CPU going to garbage collection). Undefined when the answer is chunked (the caller
 * reads through the SDK instead).
 */
export async function s3Sender(
  signer: Presigner,
  key: string,
  path: string,
  offset: number,
): Promise<FileSender | undefined> {
  const url = await signer.url("GET", key);
  const answer = await relayGet(
    { url: new URL(url), headers: offset > 0 ? { range: `bytes=${offset}-` } : {} },
    ANSWER_TIMEOUT_MS,
  ).catch((e: unknown) => {
    throw s3Error(e, "read", path);
  });
  if (answer === NOT_FRAMED) return undefined;
  if (answer.status !== (offset > 0 ? 206 : 200)) {
    answer.close();
    if (answer.status !== 404) signer.forget("GET", key);
    // Said as the SDK's failures are (404: not-found).
    const refusal = { name: "HttpError", message: "the object store refused the read" };
    throw s3Error({ ...refusal, $metadata: { httpStatusCode: answer.status } }, "read", path);
  }
  return {
    sendTo: (out, length) => answer.sendTo(out, length),
    close: async () => answer.close(),
  };
}
