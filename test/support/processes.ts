// Process-tree helpers for tests that must prove no process outlives a command, read from /proc
// (spawning `ps` would itself add a child).

import { readFileSync, readdirSync } from "node:fs";

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null; // gone meanwhile
  }
}

/** Every living descendant of `root` (children, grandchildren, ...). */
export function descendantPids(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(Number(name));
    if (ppid !== null) parents.set(Number(name), ppid);
  }
  const out: number[] = [];
  for (const pid of parents.keys()) {
    for (let p = parents.get(pid); p !== undefined; p = parents.get(p)) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
