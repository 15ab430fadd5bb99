// Stale reads go to every node while writes go to the leader, and a closed-loop connection talks to
// one node: such a load splits its connections in the read ratio into writers and readers.

/**
 * Reader connections among `connections` for read ratio `readRatio`: none without reads, all with
 * reads only, otherwise the nearest whole share, leaving at least one writer and one reader.
 */
export function staleReaders(connections: number, readRatio: number): number {
  if (readRatio <= 0) return 0;
  if (readRatio >= 1) return connections;
  return Math.min(connections - 1, Math.max(1, Math.round(connections * readRatio)));
}
