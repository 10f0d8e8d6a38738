// Where the `wsref` command reads and writes: the terminal, or a test's streams. Its own module
// so the commands (cli-connect.ts, cli-serve.ts) and the dispatcher (cli.ts) share it without
// importing each other.

export interface CliIO {
  /** Writes one line (or block of lines) of output. */
  out(text: string): void;
  /** Writes one line of diagnostics. */
  err(text: string): void;
  /** Where typed lines come from. */
  input: NodeJS.ReadableStream;
  /** Resolves when the user asks to stop (Ctrl-C, SIGTERM). */
  stopRequested(): Promise<void>;
}

export const processIO: CliIO = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  input: process.stdin,
  stopRequested: () => new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }),
};
