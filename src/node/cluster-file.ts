// The cluster file: one YAML description of a cluster that every node (and every tool that talks to
// the cluster) reads, so no two command lines can disagree about who the members are.
//
//   nodes:
//     - { id: 1, client: "http://10.77.0.11:7001", peer: "ws://10.77.0.11:7101" }
//     - { id: 2, client: "http://10.77.0.12:7001", peer: "ws://10.77.0.12:7101" }
//   flags: all                      # optional: the nodes' starting combination
//   secretFile: cluster.secret      # optional: the shared secret, relative to this file
//
// A node binds its client and peer ports on one address, so an entry's two URLs name the same host.
// Every error names the field and the line it is on.

import path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, stringify, type YAMLMap } from "yaml";
import { type Flags, formatFlags, parseFlags } from "../core/flags.ts";

/** Where one member listens: clients on http://host:clientPort, peers on ws://host:peerPort. */
export interface MemberAddress {
  readonly id: number;
  readonly host: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

export interface ClusterSpec {
  /** The file it came from, as given. */
  readonly file: string;
  readonly nodes: readonly MemberAddress[];
  /** The starting combination, or null when the file leaves it to the node's default. */
  readonly flags: Flags | null;
  /** The secret file, resolved against the cluster file's folder; null when absent. */
  readonly secretFile: string | null;
  /** The entry of node `id`; throws a ClusterFileError listing the ids there are. */
  member(id: number): MemberAddress;
  /** `read(secretFile.path)`, its error turned into a ClusterFileError at the secretFile line. */
  readSecret(read: (path: string) => string): string;
}

/** A mistake in a cluster file: which file, which line, which field, and what is wrong. */
export class ClusterFileError extends Error {
  override readonly name = "ClusterFileError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file} line ${line}: ${field ? `${field}: ` : ""}${problem}`);
  }
}

const TOP_FIELDS = ["nodes", "flags", "secretFile"] as const;
const NODE_FIELDS = ["id", "client", "peer"] as const;

/** A member's URL for `scheme` on `port`. A host is kept as a URL spells it (an IPv6 address in brackets). */
export function memberUrl(scheme: "http" | "ws", host: string, port: number): string {
  return `${scheme}://${host}:${port}`;
}

/** Where a member serves clients. */
export function clientUrlOf(m: { readonly host: string; readonly clientPort: number }): string {
  return memberUrl("http", m.host, m.clientPort);
}

/** Where a member serves peers. */
export function peerUrlOf(m: { readonly host: string; readonly peerPort: number }): string {
  return memberUrl("ws", m.host, m.peerPort);
}

/** The text of a cluster file; `secretFile` is written as given (relative names are read against the file's folder). */
export function formatClusterFile(c: {
  readonly nodes: readonly MemberAddress[];
  readonly flags: Flags | null;
  readonly secretFile: string | null;
}): string {
  const doc = {
    nodes: c.nodes.map((n) => ({
      id: n.id,
      client: clientUrlOf(n),
      peer: peerUrlOf(n),
    })),
    ...(c.flags ? { flags: formatFlags(c.flags) } : {}),
    ...(c.secretFile ? { secretFile: c.secretFile } : {}),
  };
  return stringify(doc, { collectionStyle: "block" });
}

/** Throws a ClusterFileError at the line of `n`. */
type Fail = (n: Node | null | undefined, field: string, problem: string) => never;

/** Parses the text of a cluster file named `file` (used in messages and to resolve `secretFile`). */
export function parseClusterFile(text: string, file: string): ClusterSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (n: Node | null | undefined): number => (n?.range ? lines.linePos(n.range[0]).line : 1);
  const fail: Fail = (n, field, problem) => {
    throw new ClusterFileError(file, lineOf(n), field, problem);
  };
  const syntax = doc.errors[0];
  if (syntax) throw new ClusterFileError(file, lines.linePos(syntax.pos[0]).line, "", syntax.message);

  const top = doc.contents;
  if (!isMap(top)) return fail(top, "", "expected a mapping with nodes, flags and secretFile");
  checkKeys(top, TOP_FIELDS, "", fail);

  const nodesNode = top.get("nodes", true);
  if (!nodesNode) return fail(top, "nodes", "missing: list every member as { id, client, peer }");
  if (!isSeq(nodesNode) || nodesNode.items.length === 0) {
    return fail(nodesNode, "nodes", "expected a non-empty list of { id, client, peer }");
  }
  const nodes: MemberAddress[] = [];
  for (const [i, item] of nodesNode.items.entries()) {
    nodes.push(parseMember(item as Node, `nodes[${i}]`, nodes, fail));
  }

  const flagsNode = top.get("flags", true) as Node | undefined;
  const secretNode = top.get("secretFile", true) as Node | undefined;
  const secretFile =
    secretNode === undefined
      ? null
      : path.resolve(path.dirname(file), stringField(secretNode, "secretFile", "a file name", fail));
  return {
    file,
    nodes,
    flags: flagsNode === undefined ? null : parseFlagsField(flagsNode, fail),
    secretFile,
    member(id) {
      const m = nodes.find((n) => n.id === id);
      if (!m)
        return fail(keyOf(top, "nodes"), "nodes", `no entry has id ${id} (ids: ${nodes.map((n) => n.id).join(", ")})`);
      return m;
    },
    readSecret(read) {
      if (secretFile === null) return fail(top, "secretFile", "missing");
      try {
        return read(secretFile);
      } catch (err) {
        return fail(secretNode, "secretFile", (err as Error).message);
      }
    },
  };
}

/** One entry of `nodes`, `{ id, client, peer }`, whose id none of the entries before it has. */
function parseMember(item: Node, at: string, before: readonly MemberAddress[], fail: Fail): MemberAddress {
  if (!isMap(item)) return fail(item, at, "expected { id, client, peer }");
  checkKeys(item, NODE_FIELDS, at, fail);
  const field = (key: string): Node =>
    (item.get(key, true) as Node | undefined) ?? fail(item, `${at}.${key}`, "missing");
  const idNode = field("id");
  const id = isScalar(idNode) ? idNode.value : undefined;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 1) {
    return fail(idNode, `${at}.id`, `expected a positive integer, got ${show(idNode)}`);
  }
  const first = before.findIndex((n) => n.id === id);
  if (first >= 0) fail(idNode, `${at}.id`, `id ${id} is already used by nodes[${first}]`);
  const client = endpoint(field("client"), `${at}.client`, "http:", fail);
  const peerNode = field("peer");
  const peer = endpoint(peerNode, `${at}.peer`, "ws:", fail);
  if (client.host !== peer.host) {
    fail(
      peerNode,
      `${at}.peer`,
      `host ${peer.host} differs from the client URL's ${client.host}: a node listens on one address`,
    );
  }
  return { id, host: client.host, clientPort: client.port, peerPort: peer.port };
}

function parseFlagsField(n: Node, fail: Fail): Flags {
  const raw = stringField(n, "flags", `a combination like "batch+pipeline"`, fail);
  try {
    return parseFlags(raw);
  } catch (err) {
    return fail(n, "flags", (err as Error).message);
  }
}

function stringField(n: Node, field: string, what: string, fail: Fail): string {
  const raw = isScalar(n) ? n.value : undefined;
  if (typeof raw !== "string" || raw === "") return fail(n, field, `expected ${what}`);
  return raw;
}

/** The key node of field `name` (where its line starts). */
function keyOf(map: YAMLMap, name: string): Node | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === name)?.key as Node | undefined;
}

/** Refuses a key the format does not know (a typo would otherwise be silently ignored). */
function checkKeys(map: YAMLMap, known: readonly string[], at: string, fail: Fail): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!known.includes(key)) {
      fail(pair.key as Node, at ? `${at}.${key}` : key, `unknown field; known: ${known.join(", ")}`);
    }
  }
}

/** `scheme//host:port` with nothing else (no path, query or credentials). */
function endpoint(n: Node, field: string, scheme: Scheme, fail: Fail): { host: string; port: number } {
  const raw = stringField(n, field, `a URL like ${scheme}//HOST:PORT`, fail);
  const parsed = parseEndpoint(raw, scheme);
  return typeof parsed === "string" ? fail(n, field, parsed) : parsed;
}

type Scheme = "http:" | "ws:";

/** `raw` as `scheme//host:port` with nothing else, or what is wrong with it. */
function parseEndpoint(raw: string, scheme: Scheme): { host: string; port: number } | string {
  const shape = `${scheme}//HOST:PORT`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not a URL like ${shape}`;
  }
  if (url.protocol !== scheme) return `"${raw}" must start with ${scheme}// (${shape})`;
  if (url.port === "" || url.port === "0") return `"${raw}" needs an explicit port from 1 to 65535 (${shape})`;
  if (url.username || url.password || url.search || url.hash || url.pathname !== "/") {
    return `"${raw}" must be only ${shape}, with no path, query or credentials`;
  }
  return { host: url.hostname, port: Number(url.port) };
}

/**
 * Member `id` listening on `client` and `peer` (URLs as in a cluster file, on one host); throws an
 * Error naming the field that is wrong.
 */
export function parseMemberUrls(id: number, client: string, peer: string): MemberAddress {
  const c = parseEndpoint(client, "http:");
  if (typeof c === "string") throw new Error(`"client": ${c}`);
  const p = parseEndpoint(peer, "ws:");
  if (typeof p === "string") throw new Error(`"peer": ${p}`);
  if (c.host !== p.host) {
    throw new Error(`"peer": host ${p.host} differs from the client URL's ${c.host}: a node listens on one address`);
  }
  return { id, host: c.host, clientPort: c.port, peerPort: p.port };
}

function show(n: Node): string {
  return isScalar(n) ? JSON.stringify(n.value) : "a collection";
}
