export {
  type AuthEntry,
  type AuthOptions,
  type Credentials,
  configDir,
  configPath,
  type DockerConfig,
  decodeAuth,
  encodeAuth,
  loadConfig,
  saveConfig,
} from "./config.js";
export { helperErase, helperGet, helperList, helperStore, NOT_FOUND_MESSAGE } from "./helper.js";
export {
  type CredentialSource,
  credentialKey,
  dockerCredentials,
  eraseCredentials,
  getCredentials,
  hostnameOf,
  INDEX_SERVER,
  isDockerHub,
  type LogoutResult,
  listCredentials,
  staticCredentials,
  storeCredentials,
} from "./store.js";
