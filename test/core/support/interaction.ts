// Golden-transcript scripts for the core (after etcd-io/raft's testdata/*.txt + datadriven). A file is
// a sequence of blocks:
//
//   command arg key=value
//   ----
//   output lines
//   <blank line>
//
// `runScript` executes the commands against a Cluster and returns the file with every output block
// replaced by what actually happened; the test compares it with the file (or rewrites the file when
// REWRITE=1). Commands:
//   add-nodes N [flags=COMBO] [joining=true] [field=value ...]   (RaftConfig overrides, e.g. maxInflight=4;
//                                                 joining: no configuration, to be added at run time)
//   campaign ID | tick ID [N] | propose ID V... | read-index ID CTX
//   add-learner ID NODE [addr=A] | promote ID NODE | remove ID NODE   (a membership change proposed on ID)
//   conf ID...                                    (the configuration in force)
//   process-ready ID... | persist ID... | stabilize [ID...]
//   deliver-msgs [from=ID] [to=ID] [drop=ID]      (drop=ID discards the messages to ID)
//   crash ID | compact ID INDEX | partition ID | heal [ID] | status ID... | log ID...

import type { RaftConfig } from "../../../src/core/config.ts";
import { Cluster } from "./cluster.ts";

interface Block {
  readonly comments: string[];
  readonly command: string;
}

function parseBlocks(text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  let comments: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === "") {
      i++;
      continue;
    }
    if (line.startsWith("#")) {
      comments.push(line);
      i++;
      continue;
    }
    if (lines[i + 1] !== "----") throw new Error(`line ${i + 1}: expected "----" after command "${line}"`);
    i += 2;
    while (i < lines.length && lines[i]!.trim() !== "") i++;
    blocks.push({ comments, command: line });
    comments = [];
  }
  return blocks;
}

function parseValue(v: string): unknown {
  if (v === "true") return true;
  if (v === "false") return false;
  if (/^-?\d+$/.test(v)) return Number(v);
  return v;
}

function execute(c: Cluster, command: string): string[] {
  const [name, ...args] = command.trim().split(/\s+/);
  const pos = args.filter((a) => !a.includes("="));
  const kv = Object.fromEntries(args.filter((a) => a.includes("=")).map((a) => a.split("=", 2) as [string, string]));
  const ids = pos.map(Number);
  const each = (f: (id: number) => string[]): string[] => ids.flatMap(f);
  switch (name) {
    case "add-nodes": {
      const { flags, joining, ...rest } = kv;
      const overrides = Object.fromEntries(
        Object.entries(rest).map(([k, v]) => [k, parseValue(v)]),
      ) as Partial<RaftConfig>;
      return c.addNodes(ids[0]!, { flags: flags ?? "none", overrides, joining: joining === "true" });
    }
    case "add-learner":
    case "promote":
    case "remove":
      return c.changeConf(ids[0]!, name, ids[1]!, kv.addr);
    case "conf":
      return each((id) => c.conf(id));
    case "campaign":
      return c.campaign(ids[0]!);
    case "tick":
      return c.tick(ids[0]!, ids[1] ?? 1);
    case "propose":
      return c.propose(ids[0]!, pos.slice(1));
    case "read-index":
      return c.readIndex(ids[0]!, ids[1]!);
    case "process-ready":
      return each((id) => c.processReady(id));
    case "persist":
      return each((id) => c.persist(id));
    case "stabilize":
      return c.stabilize(ids.length > 0 ? ids : undefined);
    case "deliver-msgs": {
      if (kv.drop !== undefined) return c.deliver({ to: Number(kv.drop), drop: true });
      return c.deliver({
        ...(kv.from !== undefined ? { from: Number(kv.from) } : {}),
        ...(kv.to !== undefined ? { to: Number(kv.to) } : {}),
      });
    }
    case "crash":
      return c.crash(ids[0]!);
    case "compact":
      return c.compact(ids[0]!, ids[1]!);
    case "partition":
      return c.isolate(ids[0]!);
    case "heal":
      return c.heal(ids[0]);
    case "status":
      return each((id) => c.status(id));
    case "log":
      return each((id) => c.logOf(id));
    default:
      throw new Error(`unknown command "${name}"`);
  }
}

/** Runs a script; returns the script text with the actual outputs. */
export function runScript(text: string): string {
  const c = new Cluster();
  const out: string[] = [];
  for (const b of parseBlocks(text)) {
    out.push(...b.comments, b.command, "----");
    const lines = execute(c, b.command);
    out.push(...(lines.length > 0 ? lines : ["ok"]), "");
  }
  return out.join("\n");
}
