export { formatFloat } from "./float.js";
export {
  executeTemplate,
  formatterContext,
  type ParsedFormat,
  parseFormat,
  parseGoTemplate,
  type RenderOptions,
  renderFormat,
} from "./format.js";
export { goType, printValue, sprint, sprintf, sprintln, type Value } from "./gofmt.js";
export {
  type Progress,
  type ProgressView,
  type ProgressViewOptions,
  progressBar,
  progressView,
  pullProgress,
  pushProgress,
} from "./progress.js";
export { DOCKER_TABS, type TabOptions, tabulate } from "./tabwriter.js";
export { goStruct, isTrue } from "./template/exec.js";
export { goJson, goTitle } from "./template/funcs.js";
export {
  ago,
  bytesSize,
  goDuration,
  goTimeString,
  humanDuration,
  humanSize,
  humanSizeWithPrecision,
  imageSize,
  rfc3339,
  upFor,
} from "./units.js";
