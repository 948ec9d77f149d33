export {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  IDENTIFIER,
  isValidDomain,
  isValidPath,
  isValidTag,
  NAME_MAX,
  SHORT_IDENTIFIER,
} from "./grammar.js";
export {
  familiarName,
  familiarString,
  formatReference,
  isReference,
  parseReference,
  type Reference,
  repositoryName,
  withDefaultTag,
} from "./reference.js";
