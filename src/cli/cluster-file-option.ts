// A cluster file or secret file given on the command line (`node --cluster`, `bench --target`,
// `--secret-file`): read, parsed, and its secret read, every problem a UsageError naming the option,
// file, line and field.

import { readFileSync } from "node:fs";
import { ClusterFileError, type ClusterSpec, parseClusterFile } from "../node/cluster-file.ts";
import { readSecretFile } from "../node/secret-file.ts";
import { UsageError } from "./options.ts";

export function clusterFileOption(option: string, file: string): ClusterSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(
      `${option}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return asUsage(option, () => parseClusterFile(text, file));
}

/** The secret in `file` (null when no file is given), a bad one a UsageError naming `option`. */
export function secretFileOption(option: string, file: string | undefined): string | null {
  if (file === undefined || file === "") return null;
  try {
    return readSecretFile(file);
  } catch (err) {
    throw new UsageError(`${option}: ${(err as Error).message}`);
  }
}

/** A host only this machine reaches: binding it without a secret exposes nothing. */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(host);
}

/** The secret the cluster file names, or null when it names none. */
export function clusterSecretOption(option: string, spec: ClusterSpec): string | null {
  return spec.secretFile ? asUsage(option, () => spec.readSecret(readSecretFile)) : null;
}

/** A cluster file's error, as a usage error (its message already names file, line and field). */
export function asUsage<T>(option: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ClusterFileError) throw new UsageError(`${option} ${err.message}`);
    throw err;
  }
}
