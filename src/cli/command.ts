// The shape every sub-command shares: one I/O type, and the one place where a usage error becomes a
// one-line message and exit status 64. Any other error is the caller's (main prints it and exits 70).

import { UsageError } from "./options.ts";

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** True when progress may be redrawn in place. */
  readonly tty?: boolean;
}

export const processIo: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  tty: process.stderr.isTTY === true,
};

export const EXIT_USAGE = 64;

export type Command = (argv: string[], io?: CommandIo) => Promise<number>;

/** `raftlab NAME`: `run` parses argv, throwing UsageError for a bad command line, and does the job. */
export function command(name: string, run: (argv: string[], io: CommandIo) => Promise<number>): Command {
  return async (argv, io = processIo) => {
    try {
      return await run(argv, io);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      io.err(`raftlab ${name}: ${err.message.replace(/\s*\n\s*/g, " ")} (see 'raftlab ${name} --help')\n`);
      return EXIT_USAGE;
    }
  };
}
