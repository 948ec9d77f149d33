/** wharf's version, kept in step with package.json by a test. */
export const VERSION = "0.1.0";

// Set by bin/bundle.mjs (esbuild `define`) when the bundle is built; absent when running from tsc's
// output or the sources.
declare const __WHARF_GIT_COMMIT__: string | undefined;
declare const __WHARF_BUILD_TIME__: string | undefined;

/** The commit (short) and time (RFC 3339) the running bundle was built from; "" when unknown. */
export const BUILD = {
  gitCommit: typeof __WHARF_GIT_COMMIT__ === "string" ? __WHARF_GIT_COMMIT__ : "",
  buildTime: typeof __WHARF_BUILD_TIME__ === "string" ? __WHARF_BUILD_TIME__ : "",
};
