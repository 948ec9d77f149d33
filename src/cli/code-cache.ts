// bin/wharf.cjs keeps one V8 code cache per command, written after the command's first run: what
// V8 compiled in that run is what every later run of the command deserializes. A run that took a
// rare path (a `run` that had to pull: the registry client, signature verification, progress
// output; a run that ended in an error; a command's --help) would leave a cache that is larger than
// the usual run needs (about 125 KB more for `run`, each later run paying for it) or lacks parts of
// what it does need (a --help run compiles none of the command's work).
// Such runs say so here, and the loader writes no cache from them; the next usual run writes it.

let usual = true;

/** Marks this process's command as one whose compiled code should not become the command's cache. */
export function unusualRun(): void {
  usual = false;
}

/** Whether this process's command took its usual path (read by bin/wharf.cjs before it saves a cache). */
export function usualRun(): boolean {
  return usual;
}
