// The cluster file parser: a valid file becomes the members, flags and secret path; every mistake
// is a ClusterFileError naming the file, the line and the field.

import { describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { ClusterFileError, clientUrlOf, formatClusterFile, parseClusterFile } from "../../src/node/cluster-file.ts";

const VALID = `# three hosts
nodes:
  - { id: 1, client: "http://10.77.0.11:7001", peer: "ws://10.77.0.11:7101" }
  - { id: 2, client: "http://10.77.0.12:7001", peer: "ws://10.77.0.12:7101" }
  - id: 3
    client: http://10.77.0.13:7001
    peer: ws://10.77.0.13:7101
flags: batch+pipeline
secretFile: cluster.secret
`;

/** The error parsing `text` throws. */
function errorOf(text: string, file = "/etc/raftlab/cluster.yaml"): ClusterFileError {
  try {
    parseClusterFile(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ClusterFileError);
    return err as ClusterFileError;
  }
  throw new Error("expected an error");
}

/** VALID with line `n` (1-based) replaced by `line`. */
const withLine = (n: number, line: string): string => {
  const lines = VALID.split("\n");
  lines[n - 1] = line;
  return lines.join("\n");
};

describe("cluster file", () => {
  it("parses members, flags and the secret file (relative to the cluster file)", () => {
    const spec = parseClusterFile(VALID, "/etc/raftlab/cluster.yaml");
    expect(spec.nodes).toEqual([
      { id: 1, host: "10.77.0.11", clientPort: 7001, peerPort: 7101 },
      { id: 2, host: "10.77.0.12", clientPort: 7001, peerPort: 7101 },
      { id: 3, host: "10.77.0.13", clientPort: 7001, peerPort: 7101 },
    ]);
    expect(spec.flags).toEqual(parseFlags("batch+pipeline"));
    expect(spec.secretFile).toBe("/etc/raftlab/cluster.secret");
    expect(spec.member(2)).toEqual(spec.nodes[1]);
  });

  it("leaves flags and secretFile to the node when absent", () => {
    const spec = parseClusterFile(
      `nodes:\n  - { id: 1, client: "http://127.0.0.1:7001", peer: "ws://127.0.0.1:7101" }\n`,
      "c.yaml",
    );
    expect([spec.flags, spec.secretFile]).toEqual([null, null]);
  });

  it("names field and line of a missing field", () => {
    const e = errorOf(withLine(4, `  - { id: 2, client: "http://10.77.0.12:7001" }`));
    expect([e.line, e.field, e.problem]).toEqual([4, "nodes[1].peer", "missing"]);
    expect(e.message).toBe("/etc/raftlab/cluster.yaml line 4: nodes[1].peer: missing");
    expect(errorOf("flags: all\n").message).toMatch(/line 1: nodes: missing/);
  });

  it("names field and line of a duplicate id", () => {
    const e = errorOf(withLine(5, "  - id: 1"));
    expect([e.line, e.field]).toEqual([5, "nodes[2].id"]);
    expect(e.problem).toBe("id 1 is already used by nodes[0]");
  });

  it("names field and line of a bad URL", () => {
    for (const [lineNo, line, field, problem] of [
      [
        3,
        `  - { id: 1, client: "htp://10.77.0.11:7001", peer: "ws://10.77.0.11:7101" }`,
        "nodes[0].client",
        /must start with http:/,
      ],
      [
        3,
        `  - { id: 1, client: "http://10.77.0.11", peer: "ws://10.77.0.11:7101" }`,
        "nodes[0].client",
        /explicit port/,
      ],
      [
        3,
        `  - { id: 1, client: "http://10.77.0.11:7001/kv", peer: "ws://10.77.0.11:7101" }`,
        "nodes[0].client",
        /no path/,
      ],
      [3, `  - { id: 1, client: "http://10.77.0.11:7001", peer: "not a url" }`, "nodes[0].peer", /is not a URL/],
      [
        3,
        `  - { id: 1, client: "http://10.77.0.11:7001", peer: "ws://10.77.0.12:7101" }`,
        "nodes[0].peer",
        /listens on one address/,
      ],
      [7, "    peer: ws://10.77.0.13:99999", "nodes[2].peer", /is not a URL/],
    ] as const) {
      const e = errorOf(withLine(lineNo, line));
      expect([e.line, e.field], line).toEqual([lineNo, field]);
      expect(e.problem, line).toMatch(problem);
    }
  });

  it("names field and line of an unknown id, bad flags, an unknown field and bad YAML", () => {
    const spec = parseClusterFile(VALID, "cluster.yaml");
    expect(() => spec.member(4)).toThrow("cluster.yaml line 2: nodes: no entry has id 4 (ids: 1, 2, 3)");
    expect(errorOf(withLine(8, "flags: batch+warp")).message).toMatch(/line 8: flags: unknown flag "warp"/);
    expect(errorOf(withLine(9, "secret: x")).message).toMatch(
      /line 9: secret: unknown field; known: nodes, flags, secretFile/,
    );
    expect(errorOf(withLine(6, "    clients: http://10.77.0.13:7001")).field).toBe("nodes[2].clients");
    expect(errorOf(withLine(5, "  - id: three")).message).toMatch(
      /line 5: nodes\[2\]\.id: expected a positive integer, got "three"/,
    );
    const syntax = errorOf(withLine(4, `  - { id: 2, client: "http://10.77.0.12:7001"`));
    expect(syntax.line).toBeGreaterThanOrEqual(4);
    expect(errorOf("nodes: []\n").message).toMatch(/line 1: nodes: expected a non-empty list/);
  });

  it("reports an unreadable secret at the secretFile line", () => {
    const spec = parseClusterFile(VALID, "cluster.yaml");
    expect(() =>
      spec.readSecret(() => {
        throw new Error("cannot read cluster.secret: ENOENT");
      }),
    ).toThrow("cluster.yaml line 9: secretFile: cannot read cluster.secret: ENOENT");
  });

  it("reads back what formatClusterFile writes", () => {
    const spec = parseClusterFile(VALID, "/etc/raftlab/cluster.yaml");
    const text = formatClusterFile({ nodes: spec.nodes, flags: spec.flags, secretFile: "cluster.secret" });
    const back = parseClusterFile(text, "/etc/raftlab/cluster.yaml");
    expect([back.nodes, back.flags, back.secretFile]).toEqual([spec.nodes, spec.flags, spec.secretFile]);
    expect(parseClusterFile(formatClusterFile({ nodes: spec.nodes, flags: null, secretFile: null }), "c").flags).toBe(
      null,
    );
  });

  it("spells a member's client URL as the file does, an IPv6 host in its brackets once", () => {
    const spec = parseClusterFile(
      'nodes:\n  - { id: 1, client: "http://[::1]:7001", peer: "ws://[::1]:7101" }\n',
      "c.yaml",
    );
    expect(clientUrlOf(spec.member(1))).toBe("http://[::1]:7001");
  });
});
