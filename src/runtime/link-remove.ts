import type { RuntimeContext } from "./types.js";

/** `rm --link /PARENT/ALIAS` (links.ts's `removeLink`), with links.ts loaded only for it. */
export async function removeLink(ctx: RuntimeContext, link: string): Promise<void> {
  return (await import("./links.js")).removeLink(ctx, link);
}
