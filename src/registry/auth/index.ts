export { type HtpasswdAuthorizerOptions, htpasswdAuthorizer } from "./basic.js";
export { basicCredentials, type Htpasswd, openHtpasswd, parseHtpasswd } from "./htpasswd.js";
export {
  type KeyHints,
  libtrustKeyId,
  loadCertBundle,
  loadSigningKey,
  type SigningKey,
  trustedKeyResolver,
} from "./keys.js";
export { type AccessRule, globToRegExp, grant, grantedActions, type Principal } from "./rules.js";
export { covers, formatScope, intersectActions, mergeAccess, parseScopes } from "./scope.js";
export { type AuthSettings, createAuthorizer, realmFor, type TokenServerSettings } from "./setup.js";
export { accessClaim, type TokenAuthorizerOptions, tokenAuthorizer } from "./token.js";
export { type IssuedToken, issueToken, type TokenServerOptions, tokenEndpoint } from "./token-server.js";
export { type Access, type Action, type Authorizer, type AuthResult, anonymous } from "./types.js";
