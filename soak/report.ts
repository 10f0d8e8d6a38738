// The soak's bookkeeping (RFC 6455 §10 defences, checked at scale): each phase records checks
// (a name, whether it held, what was measured) and contributes to the summary totals.

export interface Check {
  readonly phase: string;
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export class SoakReport {
  readonly checks: Check[] = [];
  connectionsHeld = 0;
  messagesSent = 0;
  messagesReceived = 0;
  messagesLost = 0;
  handlesLeaked = 0;
  fuzzCases = 0;
  peakRssClients = 0;
  /** Highest peak RSS of this (the server) process seen so far; phases reset the kernel's mark. */
  peakRssServer = 0;
  readonly started = Date.now();

  /** Folds a peak-RSS reading of this process into the summary. */
  notePeakRss(bytes: number | undefined): void {
    this.peakRssServer = Math.max(this.peakRssServer, bytes ?? process.memoryUsage().rss);
  }

  check(phase: string, name: string, ok: boolean, detail = ''): boolean {
    this.checks.push({ phase, name, ok, detail });
    const mark = ok ? 'ok  ' : 'FAIL';
    console.log(`  [${mark}] ${name}${detail ? ` — ${detail}` : ''}`);
    return ok;
  }

  /** Runs a phase; an exception is a failed check, never a crash of the whole soak. */
  async phase(name: string, run: () => Promise<void>): Promise<void> {
    console.log(`\n── ${name} ──`);
    const started = Date.now();
    try {
      await run();
    } catch (error) {
      this.check(name, 'phase completed', false, (error as Error).stack ?? String(error));
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  get failed(): Check[] {
    return this.checks.filter((c) => !c.ok);
  }

  summary(): string {
    const peakRssServer = this.peakRssServer;
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
    const lines = [
      '',
      '══════════════════ wsref soak summary ══════════════════',
      `connections held:   ${this.connectionsHeld} concurrent`,
      `messages:           sent ${this.messagesSent}, received ${this.messagesReceived}, lost ${this.messagesLost}`,
      `peak RSS:           server process ${mib(peakRssServer)}, largest client process ${mib(this.peakRssClients)}`,
      `handles leaked:     ${this.handlesLeaked}`,
      `fuzz cases:         ${this.fuzzCases}`,
      `checks:             ${this.checks.length - this.failed.length} of ${this.checks.length} passed`,
      `duration:           ${((Date.now() - this.started) / 1000).toFixed(0)} s`,
    ];
    for (const f of this.failed) lines.push(`FAILED: [${f.phase}] ${f.name} — ${f.detail}`);
    lines.push(this.failed.length === 0 ? 'RESULT: PASS' : 'RESULT: FAIL');
    lines.push('═════════════════════════════════════════════════════════');
    return lines.join('\n');
  }
}
