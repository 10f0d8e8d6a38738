// `npm run bench -- --baseline <git-ref>`: the wsref of another commit, built beside this
// tree's so the harness can run both in the same rounds (issue #14: no cell more than 5%
// slower than before the change). The baseline commit is checked out into a temporary
// `git worktree` under the system's temporary directory (outside the repository, so neither
// git nor vitest sees it), with this tree's node_modules linked in and this tree's bench/
// and tsconfig.json copied over its own: both sides then run the same harness, servers and
// load generator under the same compiler options, and only src/ differs. Compiled runs build
// it with the same tsc and bench/tsconfig.json as `npm run bench` does for this tree.
// `remove()` deletes the worktree again.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMPILED, REPO_DIR } from './processes.js';

export interface BaselineBuild {
  /** The ref as given, and the commit it names. */
  ref: string;
  commit: string;
  /** Where the baseline's bench/ runs from (its compiled copy when COMPILED). */
  benchDir: string;
  /** Removes the worktree (idempotent). */
  remove(): void;
}

/** Runs git in this repository; throws with git's own message when it fails. */
function git(args: readonly string[]): string {
  const result = spawnSync('git', ['-C', REPO_DIR, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout.trim();
}

/** This tree's bench/ sources (a compiled run executes dist/bench-build/bench; the sources stay here). */
const BENCH_SOURCES = path.join(REPO_DIR, 'bench');

/** Checks out and builds `ref`'s wsref with this tree's harness; `log` reports each step. */
export function prepareBaseline(ref: string, log: (line: string) => void): BaselineBuild {
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch {
    throw new Error(`--baseline ${ref}: not a commit in this repository`);
  }
  const dir = path.join(os.tmpdir(), `wsref-baseline-${commit.slice(0, 12)}-${process.pid}`);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    spawnSync('git', ['-C', REPO_DIR, 'worktree', 'remove', '--force', dir], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    spawnSync('git', ['-C', REPO_DIR, 'worktree', 'prune'], { encoding: 'utf8' });
  };
  log(`baseline: ${ref} is ${commit.slice(0, 12)}; checking it out into ${dir}`);
  git(['worktree', 'add', '--detach', '--quiet', dir, commit]);
  try {
    symlinkSync(path.join(REPO_DIR, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    // The same harness on both sides: the IPC tasks and the servers' code must match this tree's.
    rmSync(path.join(dir, 'bench'), { recursive: true, force: true });
    cpSync(BENCH_SOURCES, path.join(dir, 'bench'), { recursive: true, filter: (source) => !source.includes(`${path.sep}results${path.sep}`) });
    cpSync(path.join(REPO_DIR, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    if (!COMPILED) return { ref, commit, benchDir: path.join(dir, 'bench'), remove };
    const tsc = path.join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
    const build = spawnSync(process.execPath, [tsc, '-p', path.join(dir, 'bench', 'tsconfig.json')], { cwd: dir, encoding: 'utf8' });
    const benchDir = path.join(dir, 'dist', 'bench-build', 'bench');
    if (build.status !== 0) {
      // As npm run bench does for this tree: type errors are reported, the emitted JavaScript still runs.
      log(`baseline: tsc reported type errors in ${commit.slice(0, 12)} (running the JavaScript it emitted):\n${build.stdout.trim()}`);
    }
    for (const script of ['servers/wsref-echo.js', 'loadgen/main.js']) {
      if (!existsSync(path.join(benchDir, script))) throw new Error(`baseline build of ${ref} produced no ${script}`);
    }
    return { ref, commit, benchDir, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
