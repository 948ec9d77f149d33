import { type ValidationReport, validateRegistry } from "../../../src/images/testing/validate.js";
import { createTransport, type TransportOptions } from "../../../src/remote/index.js";

export { validateRoot } from "../../../src/images/testing/validate.js";

/**
 * Validates what `repo:ref` names on the registry at `host` through wharf's client: every blob
 * re-hashed, sizes, diff IDs, media types (`validateRegistry`).
 */
export async function validateOnRegistry(
  host: string,
  repo: string,
  ref: string,
  transport: TransportOptions = {},
): Promise<ValidationReport> {
  const t = createTransport(host, transport);
  try {
    return await validateRegistry({ transport: t, path: repo }, ref);
  } finally {
    t.close();
  }
}
