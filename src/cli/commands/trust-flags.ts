import type { FlagSpec } from "../flags.js";

/**
 * The verification flags of pull, run and create (podman's and Docker's names). Kept apart from
 * `trust-verify.ts` so that the run path's flag table loads no registry client.
 */
export const TRUST_FLAGS: FlagSpec[] = [
  {
    name: "signature-policy",
    type: "string",
    valueName: "file",
    description: "Verify signatures with this containers-policy.json",
  },
  { name: "disable-content-trust", type: "bool", default: true, description: "Skip image verification" },
];
