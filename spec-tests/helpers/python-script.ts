// Test helper: runs a Python script with Debian's python3 (and its python3-websockets) as a peer
// we did not write, reading the JSON lines it prints as it goes. Killed at cleanup.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SYSTEM_PYTHON, withTimeout, type Resources } from './node-peers.js';

/** A running Python script: its JSON lines, one at a time, and its exit code. */
export interface PythonScript {
  /** Each JSON line the script prints, parsed; waits up to 15 s for the next one. */
  readonly lines: AsyncIterator<Record<string, unknown>>;
  /** The exit code once the script has exited. */
  readonly exited: Promise<number | null>;
}

/** Runs `script` (the program text, `python3 -c`) with `args`; `resources` kills it at cleanup. */
export function runPythonScript(resources: Resources, script: string, args: string[]): PythonScript {
  const child = spawn(SYSTEM_PYTHON, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  resources.defer(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const reader = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const lines: AsyncIterator<Record<string, unknown>> = {
    async next() {
      const line = await withTimeout(reader.next(), 15_000, `a line from python (stderr: ${stderr})`);
      if (line.done) throw new Error(`python exited without output; stderr:\n${stderr}`);
      return { done: false, value: JSON.parse(line.value as string) as Record<string, unknown> };
    },
  };
  return { lines, exited };
}
