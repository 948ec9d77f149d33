import { pauseVerb } from "./compose-pause-verb.js";

export const command = pauseVerb("unpause");
