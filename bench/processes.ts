// Child processes of the benchmark: every server under test and the load generator run in
// their own Node process, each pinned to one core when `taskset` exists and the machine has
// two or more: servers on core 1, load generators (and the clients under test) on core 0.
// Pinning keeps the scheduler from moving a server onto the load's core mid-run; it also
// means a server's helper threads (GC, zlib's pool) share its core, which is what CPU per
// message should charge it for anyway.
//
// `npm run bench` compiles src/ and bench/ with tsc first (bench/tsconfig.json, into
// dist/bench-build/) and runs the JavaScript with plain node: the code a build ships. Run from
// TypeScript instead (the smoke test under vitest), children start through tsx. tsx is fine
// for a smoke run but not for measuring: esbuild's keepNames option, which tsx turns on,
// gives every named closure an own `name` property, about 250 bytes each.

import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadyMessage, Reply, Request } from './shared.js';

/** True when this module runs as compiled JavaScript (from dist/bench-build/bench/). */
export const COMPILED = import.meta.url.endsWith('.js');
export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = COMPILED ? path.resolve(BENCH_DIR, '..', '..', '..') : path.dirname(BENCH_DIR);

/** Whether children can be pinned: `taskset` runs and there are at least two cores. */
export const PINNING = os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
export const SERVER_CORE = 1;
export const LOAD_CORE = 0;

/** Pins every thread of `pid` (and the threads it starts later) to `core`. */
function pin(pid: number, core: number): void {
  const result = spawnSync('taskset', ['-a', '-cp', String(core), String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset could not pin ${pid} to core ${core}: ${result.stderr.trim()}`);
}

export interface StartOptions {
  /** The core to pin the process to (when PINNING). */
  core?: number;
  /** Environment added to (or, with `undefined`, removed from) this process's. */
  env?: Record<string, string | undefined>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** The bench/ directory `script` is in: this tree's by default, a baseline build's for `before` (./baseline.ts). */
  benchDir?: string;
}

/** A child process that answers requests over IPC. */
export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private exited = false;

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
    readonly port: number,
    readonly info: Record<string, unknown>,
  ) {
    process.on('message', (raw) => {
      const reply = raw as Reply;
      if (reply.type !== 'reply') return;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new Error(`${name}: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
    process.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (${signal ?? code}) during a request`));
      this.pending.clear();
    });
  }

  /** Starts `script` (relative to bench/, named as its .ts source) and waits for its `ready` message. */
  static start(name: string, script: string, options: StartOptions = {}): Promise<Child> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const file = path.join(options.benchDir ?? BENCH_DIR, COMPILED ? script.replace(/\.ts$/, '.js') : script);
    const loader = COMPILED ? [] : ['--import', 'tsx'];
    const child = fork(file, [], {
      cwd: REPO_DIR,
      env,
      execArgv: [...loader, '--expose-gc', ...(options.nodeFlags ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (PINNING && options.core !== undefined && child.pid !== undefined) {
      try {
        pin(child.pid, options.core);
      } catch (error) {
        child.kill('SIGKILL');
        return Promise.reject(error as Error);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start within 30 s`));
      }, 30_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before it was ready`));
      });
      child.on('message', function onReady(raw) {
        const message = raw as ReadyMessage;
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onReady);
        child.removeAllListeners('exit');
        resolve(new Child(name, child, message.port, message.info));
      });
    });
  }

  /** Sends a task and waits for its result; rejects after `timeoutMs`. */
  request<R>(task: object, timeoutMs = 120_000): Promise<R> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as R);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.process.send({ type: 'request', id, task } satisfies Request);
    });
  }

  /** Asks the process to exit (so --cpu-prof can write its profile); kills it after 10 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    this.process.send({ type: 'request', id: 0, task: { kind: 'exit' } } satisfies Request);
    await exited;
    clearTimeout(timer);
  }
}
