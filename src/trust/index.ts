export {
  COSIGN_PEM,
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  readPem,
  SIGSTORE_PEM,
} from "./cosign-key.js";
export {
  type Acceptance,
  type EvaluateOptions,
  evaluate,
  type SigstoreSignature,
  type Subject,
} from "./evaluate.js";
export { type GpgVerdict, gpgSign, gpgVerify, type Keyring, keyringFor } from "./gpg.js";
export { identityMatches } from "./identity.js";
export {
  decodeBase64,
  fingerprintOf,
  type PublicKey,
  parsePublicKey,
  signPayload,
  verifyPayload,
} from "./keys.js";
export {
  ATOMIC_TYPE,
  COSIGN_TYPE,
  makePayload,
  type PayloadType,
  parsePayload,
  type SimpleSigning,
} from "./payload.js";
export {
  ACCEPT_ANYTHING,
  type Identity,
  type KeySource,
  type Policy,
  parsePolicy,
  type Requirement,
  readPolicy,
} from "./policy.js";
export {
  EMPTY_REGISTRIES_D,
  lookasideFor,
  mergeRegistriesFile,
  type RegistriesD,
  type RegistryScope,
  readRegistriesD,
  registriesDir,
  usesAttachments,
} from "./registries-d.js";
export { type Chosen, policyIdentity, policyNamespaces, requirementsFor } from "./scope.js";
