import { lifecycleVerb } from "./compose-lifecycle.js";

export const command = lifecycleVerb("start", "Start services");
