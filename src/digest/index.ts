export { type Bytes, bytesOf, collect, drain } from "./bytes.js";
export { nodeCrypto, randomHex, uniqueSuffix } from "./crypto.js";
export {
  algorithmOf,
  type Digest,
  type DigestAlgorithm,
  digestFromHex,
  digestOf,
  hexOf,
  isDigest,
  parseDigest,
  shortHex,
} from "./digest.js";
export { checkExpectation, Digester, type Expectation, type VerifiedStream, verifying } from "./verify.js";
