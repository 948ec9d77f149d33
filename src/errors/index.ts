export {
  ERROR_CODES,
  type ErrorCode,
  exitStatusOf,
  httpStatusOf,
  type OciErrorCode,
  ociCodeOf,
} from "./codes.js";
export { errnoCode, isWharfError, WharfError, type WharfErrorOptions, wharfError } from "./wharf-error.js";
