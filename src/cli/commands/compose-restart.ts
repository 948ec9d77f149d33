import { lifecycleVerb } from "./compose-lifecycle.js";

export const command = lifecycleVerb("restart", "Restart service containers");
