export {
  ERROR_CODES,
  type ErrorCode,
  exitStatusOf,
  httpStatusOf,
  type OciErrorCode,
  ociCodeOf,
} from "./codes.js";
export { diskErrorHint } from "./disk.js";
export { errnoCode, isWharfError, WharfError, type WharfErrorOptions, wharfError } from "./wharf-error.js";
