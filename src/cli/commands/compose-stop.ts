import { lifecycleVerb } from "./compose-lifecycle.js";

export const command = lifecycleVerb("stop", "Stop services");
