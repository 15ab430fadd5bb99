import { describe, expect, it } from "vitest";
import { csvField, toCsv } from "../../bench/report/csv.ts";
import { SAMPLE_CALIBRATION } from "../support/calibration.ts";
import { makeCell, makeFailedCell, makeResults, sampleResults } from "./support/sample-results.ts";

/** A small RFC 4180 reader, enough to check that what we write reads back field for field. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(field), rows.push(row), (row = []), (field = ""), i++;
    else field += ch;
  }
  return rows;
}

describe("results.csv", () => {
  it("quotes fields with commas, quotes and line breaks, doubling quotes (RFC 4180)", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(0)).toBe("0");
  });

  it("writes one row per cell with a header, CRLF line ends, and reads back intact", () => {
    const nasty = 'node-2 exited: "RangeError, offset"\nsecond line';
    const results = makeResults([makeFailedCell({ flags: "batch+pipeline", size: 5 }, nasty)]);
    const text = toCsv(results);
    expect(text.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(2);
    const header = rows[0]!;
    const row = Object.fromEntries(header.map((h, i) => [h, rows[1]![i]]));
    expect(row.error).toBe(nasty);
    expect(row.flags).toBe("batch+pipeline");
    expect(row.status).toBe("failed");
    expect(row.rate).toBe("");
    expect(row.stage_ms_queue_mean).toBe("");
  });

  it("adds each cell's bounds when the run has a calibration, empty where a cell has none", () => {
    const config = { flags: "none", size: 3, connections: 32 } as const;
    const cells = [makeCell(config, 800, 35), makeFailedCell(config, "boom")];
    expect(parseCsv(toCsv(makeResults(cells)))[0]).not.toContain("ceiling_ops");
    const rows = parseCsv(toCsv({ ...makeResults(cells), calibration: SAMPLE_CALIBRATION }));
    const header = rows[0]!;
    const [ok, failed] = rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    // The one-slot window: 1e6 / 1100 µs (test/calibrate/bounds.test.ts).
    expect(ok).toMatchObject({
      ceiling_ops: "909",
      ceiling_binding: "replication-window",
      share_of_ceiling: "0.88",
      latency_floor_ms: "35.2",
      implementation_overhead: "false",
    });
    expect(failed!.ceiling_ops).toBe("");
  });

  it("flattens latency, stages and per-process CPU/ELU into columns for every cell of the sample", () => {
    const results = sampleResults();
    const rows = parseCsv(toCsv(results));
    expect(rows).toHaveLength(results.cells.length + 1);
    const header = rows[0]!;
    for (const col of [
      "latency_ms_p999",
      "stage_ms_append_mean",
      "cpu_node-1",
      "elu_loadgen",
      "cpu_etcd-1",
      "correctness",
      "fsyncDelayUs",
      "steal_cores",
      "machine_busy_cores",
    ]) {
      expect(header).toContain(col);
    }
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
    const first = Object.fromEntries(header.map((h, i) => [h, rows[1]![i]]));
    expect(Number(first.latency_ms_p50)).toBe(results.cells[0]!.latencyMs.p50);
    expect(Number(first["cpu_node-1"])).toBe(results.cells[0]!.cpu[0]!.cpu);
    expect(Number(first.mechanism_entries_per_leader_fsync)).toBe(
      results.cells[0]!.mechanism!.summary!.entriesPerLeaderFsync,
    );
    expect(Number(first.mechanism_inflight_max)).toBe(results.cells[0]!.mechanism!.summary!.inflightMax);
    const etcd = rows.find((r) => r[header.indexOf("system")] === "etcd")!;
    expect(etcd[header.indexOf("mechanism_bytes_per_write")]).toBe("");
    const busy = parseCsv(toCsv({ ...results, cells: [{ ...results.cells[0]!, machineBusyCores: 1.25 }] }));
    expect(busy[1]![busy[0]!.indexOf("machine_busy_cores")]).toBe("1.25");
  });
  it("writes each cell's read mode and its reads' own figures, empty in cells without", () => {
    const base = { flags: "all", size: 3, connections: 32, readRatio: 0.9 } as const;
    const reads = { throughput: 13_500, latencyMs: { p50: 0.5, p90: 0.75, p99: 1.5, p999: 2, max: 2.5, mean: 0.6 } };
    const rows = parseCsv(
      toCsv(makeResults([{ ...makeCell({ ...base, readMode: "stale" }, 15_000, 1), reads }, makeCell(base, 9_000, 3)])),
    );
    const header = rows[0]!;
    const [stale, plain] = rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    expect(stale).toMatchObject({
      readMode: "stale",
      reads_throughput: "13500",
      reads_latency_ms_p50: "0.5",
      reads_latency_ms_p99: "1.5",
      reads_latency_ms_mean: "0.6",
    });
    expect([plain!.readMode, plain!.reads_throughput, plain!.reads_latency_ms_p50]).toEqual(["", "", ""]);
  });
});
