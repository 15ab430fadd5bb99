// `raftlab loadgen --listen HOST:PORT`: a load worker for `raftlab bench --loadgen`, on a host of its own.

import { startLoadWorkerServer } from "../../bench/load/worker-server.ts";
import { clusterFileOption, clusterSecretOption, isLoopbackHost, secretFileOption } from "./cluster-file-option.ts";
import { command } from "./command.ts";
import { intOption, parseOptions, UsageError } from "./options.ts";

export const LOADGEN_USAGE = `Usage: raftlab loadgen --listen HOST:PORT [--secret-file FILE | --cluster FILE] [--insecure]

Runs a load worker: 'raftlab bench --loadgen http://HOST:PORT,...' splits each cell's load between
such workers, starts them together and merges their latency histograms. A worker runs one load at a
time, in a generator process of its own, and stops it if the bench goes away.

Options:
  --listen HOST:PORT      address to serve the bench on (port 0: any free port, printed)
  --secret-file FILE      a bench must present this secret (the cluster's secret file, or one of
                          its own: 'openssl rand -hex 32 > FILE'); also RAFTLAB_SECRET_FILE
  --cluster FILE          take the secret from the cluster file's secretFile
  --insecure              allow a non-loopback HOST without a secret: anyone who reaches the port
                          could then aim load at any address
  -h, --help              show this help`;

export const loadgenCommand = command("loadgen", async (argv, io) => {
  const { values: v } = parseOptions({
    args: argv,
    options: {
      listen: { type: "string" },
      "secret-file": { type: "string" },
      cluster: { type: "string" },
      insecure: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(`${LOADGEN_USAGE}\n`);
    return 0;
  }
  if (!v.listen) throw new UsageError("--listen HOST:PORT is required");
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(v.listen);
  if (!m) throw new UsageError(`--listen: "${v.listen}" is not HOST:PORT`);
  const host = m[1]!.replace(/^\[|\]$/g, "");
  const port = intOption("--listen port", m[2]!, 0, 65535);
  if (v["secret-file"] !== undefined && v.cluster !== undefined)
    throw new UsageError("--secret-file conflicts with --cluster: the cluster file names the secret");
  const secret = secretOf(v["secret-file"] ?? process.env.RAFTLAB_SECRET_FILE, v.cluster);
  if (secret === null && !isLoopbackHost(host) && !v.insecure) {
    throw new UsageError(
      `--listen ${host} is not a loopback address, so anyone who reaches it could aim load anywhere: ` +
        `give --secret-file FILE (or --cluster FILE), or add --insecure`,
    );
  }
  const server = await startLoadWorkerServer({ host, port, secret, log: (line) => io.err(`loadgen: ${line}\n`) });
  io.out(`raftlab loadgen: listening on ${server.url}${secret === null ? " (no secret)" : ""}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  return 0;
});

function secretOf(secretFile: string | undefined, clusterFile: string | undefined): string | null {
  if (clusterFile !== undefined) return clusterSecretOption("--cluster", clusterFileOption("--cluster", clusterFile));
  return secretFileOption("--secret-file", secretFile);
}
