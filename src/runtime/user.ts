import { readFile } from "node:fs/promises";
// paths.js, not the index: the index loads the tar code (tar-stream, zlib), which a run never needs.
import { resolveInRoot } from "../archive/paths.js";
import { errnoCode, WharfError } from "../errors/index.js";

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Reads a file of the container's tree, following symlinks inside it only; "" when absent. */
async function readInRoot(rootfs: string, path: string): Promise<string> {
  try {
    const host = await resolveInRoot(rootfs, path.split("/"), { followLast: true });
    return await readFile(host, "utf8");
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return "";
    if (e instanceof WharfError) return "";
    throw e;
  }
}

const NUM = /^[0-9]+$/;

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 7 || !NUM.test(f[2] ?? "") || !NUM.test(f[3] ?? "")) continue;
    out.push({ name: f[0] ?? "", uid: Number(f[2]), gid: Number(f[3]), home: f[5] || "/" });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 4 || !NUM.test(f[2] ?? "")) continue;
    out.push({ name: f[0] ?? "", gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) });
  }
  return out;
}

/**
 * Resolves `user[:group]` (names or numbers) against the container's /etc/passwd and /etc/group,
 * as runc's libcontainer does: a numeric user absent from passwd runs with gid 0 and home `/`; a
 * named one must exist. Without an explicit group, the user's supplementary groups are those that
 * list it as a member.
 */
export async function resolveUser(rootfs: string, spec: string | undefined): Promise<ExecUser> {
  const [userPart = "", groupPart] = (spec ?? "").split(":", 2);
  const passwd = parsePasswd(await readInRoot(rootfs, "etc/passwd"));
  const userName = userPart === "" ? "0" : userPart;
  let entry = passwd.find((p) => (NUM.test(userName) ? p.uid === Number(userName) : p.name === userName));
  if (!entry) {
    if (!NUM.test(userName)) {
      throw new WharfError("runtime", `unable to find user ${userName}: no matching entries in passwd file`);
    }
    entry = { name: userName, uid: Number(userName), gid: 0, home: "/" };
  }
  const groups = parseGroup(await readInRoot(rootfs, "etc/group"));
  let gid = entry.gid;
  // Like initgroups(3): the primary group, then the groups that list the user.
  let additionalGids: number[] = [];
  if (groupPart !== undefined && groupPart !== "") {
    const g = groups.find((x) => (NUM.test(groupPart) ? x.gid === Number(groupPart) : x.name === groupPart));
    if (g) gid = g.gid;
    else if (NUM.test(groupPart)) gid = Number(groupPart);
    else
      throw new WharfError("runtime", `unable to find group ${groupPart}: no matching entries in group file`);
  } else {
    const name = entry.name;
    additionalGids = groups.filter((g) => g.members.includes(name)).map((g) => g.gid);
  }
  return { uid: entry.uid, gid, additionalGids: [...new Set([gid, ...additionalGids])], home: entry.home };
}
