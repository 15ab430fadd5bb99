// The cluster's shared secret lives in a file (never on a command line, where `ps` shows it): every
// node reads the same file, and peers prove they hold it in the peer handshake
// (src/transport/peer-auth.ts). The secret is the file's text with surrounding whitespace trimmed.

import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";

export const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 4096;

/** Reads and checks a secret file; throws an Error that says what is wrong with it. */
export function readSecretFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const secret = text.trim();
  if (secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH) {
    throw new Error(
      `${file} holds ${secret.length} characters; a secret has ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} ` +
        `(make one with: openssl rand -hex 32 > ${file})`,
    );
  }
  return secret;
}

/** Writes a fresh random secret (256 bits, hex) to `file`, readable by its owner only; returns it. */
export function writeNewSecretFile(file: string): string {
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // `mode` applies only when the file is created
  return secret;
}
