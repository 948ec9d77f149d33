/**
 * Giving a container's address back without running host-local. host-local (the allocator, left
 * as it is) keeps one file per address in `<dataDir>/<network name>/`, named by the address and
 * holding `<container ID>\r\n<ifname>`; its DEL removes the files that hold the container's ID and
 * interface. When the record says which address the container had, its release is that file's
 * removal, done here: one read and one unlink instead of a Go process (~3 ms of the event loop to
 * start it and ~4 ms of CPU on every end).
 *
 * Without host-local's lock (an `flock` Node cannot take): an allocation makes its file with
 * O_EXCL, so a removal can only free an address early, never hand one out twice; the file is
 * removed only when it names this container and interface, and a container's releases do not run
 * at once (its monitor releases before it records the end that `rm` and `reconcile` wait for).
 */
import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../../errors/index.js";

/** What host-local writes in an address's file. */
export function reservationText(containerId: string, ifname: string): string {
  return `${containerId}\r\n${ifname}`;
}

/**
 * Removes `ip`'s file (an IPv4 address, or an IPv6 one as host-local names it: RFC 5952's text,
 * as its result gives it) from host-local's store `dir` (`<dataDir>/<network name>`) if it is the
 * reservation of `containerId`'s `ifname`. Returns false when it is not (gone, another container's,
 * or in a form this does not know): nothing is changed then, and the caller runs host-local's DEL.
 */
export function releaseReservation(dir: string, ip: string, containerId: string, ifname: string): boolean {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && !/^[0-9a-f:]+$/.test(ip)) return false;
  const path = join(dir, ip);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return false;
    throw e;
  }
  // host-local's DEL compares the text trimmed of white space; so does this.
  if (text.trim() !== reservationText(containerId, ifname)) return false;
  try {
    unlinkSync(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
  return true;
}
