// Autobahn|Testsuite results — reading the suite's `index.json` and condensing it into counts
// per case group (the groups follow RFC 6455 §5 framing, §5.5 control frames, §8.1 UTF-8,
// §7 closing, RFC 7692 compression) plus the list of cases that did not pass. Pure functions:
// the file handling lives in report.ts.

/** `servers`: wsref ran as the server (suite's fuzzingclient); `clients`: wsref was the client. */
export type Direction = 'servers' | 'clients';
export const DIRECTIONS: readonly Direction[] = ['servers', 'clients'];

/** The five outcome columns. Every behavior the suite reports that is not one of the first four counts as FAILED. */
export const OUTCOMES = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type OutcomeCounts = Record<Outcome, number>;

/** Close behaviors that are acceptable next to a passing case ("FAILED BY CLIENT": the testee failed the connection first). */
const ACCEPTABLE_CLOSE_BEHAVIORS = new Set(['OK', 'INFORMATIONAL', 'FAILED BY CLIENT']);

/** One entry of the suite's index.json: agent → case id → this. */
export interface IndexEntry {
  behavior: string;
  behaviorClose: string;
  duration?: number;
  remoteCloseCode?: number | null;
  reportfile?: string;
}
export type SuiteIndex = Record<string, Record<string, IndexEntry>>;

/** Fields read from a case's own report file, for the cases that did not pass. */
export interface CaseDetail {
  description?: string;
  result?: string;
  resultClose?: string;
}

export interface CaseProblem {
  id: string;
  behavior: string;
  behaviorClose: string;
  remoteCloseCode: number | null;
  description?: string;
  result?: string;
}

export interface DirectionSummary {
  agent: string;
  /** When the suite wrote the index (ISO 8601). */
  date: string;
  /** Which build of the suite produced it, when known. */
  suite?: string;
  total: number;
  counts: OutcomeCounts;
  /** Group number ("1" … "13") → counts. */
  groups: Record<string, OutcomeCounts>;
  /** Cases whose behavior is neither OK nor INFORMATIONAL. */
  failing: CaseProblem[];
  /** Cases that passed but whose closing handshake the suite marks as wrong (unclean, wrong code). */
  closeProblems: CaseProblem[];
}

export interface ResultsSummary {
  generated: string;
  directions: Partial<Record<Direction, DirectionSummary>>;
}

export const GROUP_NAMES: Record<string, string> = {
  '1': 'Framing',
  '2': 'Pings/Pongs',
  '3': 'Reserved bits',
  '4': 'Opcodes',
  '5': 'Fragmentation',
  '6': 'UTF-8 handling',
  '7': 'Close handling',
  '9': 'Limits/performance',
  '10': 'Miscellaneous',
  '12': 'Compression (payloads)',
  '13': 'Compression (parameters)',
};

export const DIRECTION_TITLES: Record<Direction, string> = {
  servers: 'wsref as a server (suite: fuzzingclient)',
  clients: 'wsref as a client (suite: fuzzingserver)',
};

export function emptyCounts(): OutcomeCounts {
  return { OK: 0, 'NON-STRICT': 0, INFORMATIONAL: 0, UNIMPLEMENTED: 0, FAILED: 0 };
}

export function outcomeOf(behavior: string): Outcome {
  return (OUTCOMES as readonly string[]).includes(behavior) ? (behavior as Outcome) : 'FAILED';
}

/** Orders "1.1.2" < "1.1.10" < "2.1" < "10.1.1". */
export function compareCaseIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Checks that parsed JSON has the index.json shape; returns a message naming the first problem. */
export function validateIndex(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object';
  for (const [agent, cases] of Object.entries(json)) {
    if (typeof cases !== 'object' || cases === null) return `agent ${agent}: not an object of cases`;
    for (const [id, entry] of Object.entries(cases as Record<string, unknown>)) {
      if (!/^\d+(\.\d+)*$/.test(id)) return `agent ${agent}: "${id}" is not a case id`;
      const e = entry as Partial<IndexEntry> | null;
      if (typeof e?.behavior !== 'string' || typeof e.behaviorClose !== 'string') {
        return `agent ${agent}, case ${id}: missing behavior/behaviorClose`;
      }
    }
  }
  return undefined;
}

/**
 * Picks the agent to report on: the one asked for, else "wsref", else the only agent there is.
 * Returns an error message when there is no single sensible choice.
 */
export function chooseAgent(index: SuiteIndex, wanted: string | undefined): { agent: string } | { error: string } {
  const agents = Object.keys(index);
  if (wanted !== undefined) {
    return agents.includes(wanted) ? { agent: wanted } : { error: `no agent "${wanted}" (found: ${agents.join(', ') || 'none'})` };
  }
  if (agents.includes('wsref')) return { agent: 'wsref' };
  if (agents.length === 1) return { agent: agents[0]! };
  return { error: `several agents (${agents.join(', ')}); choose one with --agent` };
}

/** Strips the suite's HTML markup and squeezes a description to one short line. */
export function plainText(text: string, limit = 160): string {
  const flat = text.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

export function summarizeDirection(
  index: SuiteIndex,
  agent: string,
  date: string,
  details: (id: string, entry: IndexEntry) => CaseDetail | undefined = () => undefined,
): DirectionSummary {
  const cases = index[agent] ?? {};
  const summary: DirectionSummary = {
    agent,
    date,
    total: 0,
    counts: emptyCounts(),
    groups: {},
    failing: [],
    closeProblems: [],
  };
  for (const id of Object.keys(cases).sort(compareCaseIds)) {
    const entry = cases[id]!;
    const outcome = outcomeOf(entry.behavior);
    const group = id.split('.')[0]!;
    summary.total += 1;
    summary.counts[outcome] += 1;
    (summary.groups[group] ??= emptyCounts())[outcome] += 1;

    const passed = outcome === 'OK' || outcome === 'INFORMATIONAL';
    const closeOk = ACCEPTABLE_CLOSE_BEHAVIORS.has(entry.behaviorClose);
    if (passed && closeOk) continue;
    const detail = details(id, entry);
    const problem: CaseProblem = {
      id,
      behavior: entry.behavior,
      behaviorClose: entry.behaviorClose,
      remoteCloseCode: entry.remoteCloseCode ?? null,
    };
    if (detail?.description) problem.description = plainText(detail.description);
    const why = passed ? detail?.resultClose : detail?.result;
    if (why) problem.result = plainText(why);
    (passed ? summary.closeProblems : summary.failing).push(problem);
  }
  return summary;
}

/** True when every case in every direction read is OK or INFORMATIONAL and closed acceptably. */
export function allPassed(summary: ResultsSummary, directions: readonly Direction[]): boolean {
  return directions.every((d) => {
    const s = summary.directions[d];
    return s !== undefined && s.failing.length === 0 && s.closeProblems.length === 0;
  });
}

function sortedGroups(s: DirectionSummary): string[] {
  return Object.keys(s.groups).sort((a, b) => Number(a) - Number(b));
}

/** Plain-text table for the terminal. */
export function renderConsole(direction: Direction, s: DirectionSummary): string {
  const header = ['group', ...OUTCOMES];
  const rows = sortedGroups(s).map((g) => [`${g} ${GROUP_NAMES[g] ?? ''}`.trim(), ...OUTCOMES.map((o) => String(s.groups[g]![o]))]);
  rows.push(['total', ...OUTCOMES.map((o) => String(s.counts[o]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [`${DIRECTION_TITLES[direction]} — agent ${s.agent}, ${s.total} cases, ${s.date}`, line(header), ...rows.map(line)];
  for (const [label, list] of [
    ['not passing', s.failing],
    ['passing, but closed wrongly', s.closeProblems],
  ] as const) {
    if (list.length === 0) continue;
    out.push(`${label} (${list.length}):`);
    for (const p of list) {
      out.push(
        `  ${p.id}: ${p.behavior}, close ${p.behaviorClose}, close code ${p.remoteCloseCode ?? 'none'}` +
          (p.description ? ` — ${p.description}` : ''),
      );
    }
  }
  return out.join('\n');
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The docs page: front matter, one section per direction. */
export function renderMarkdown(summary: ResultsSummary): string {
  const out = [
    '---',
    'title: Autobahn|Testsuite results',
    'description: How wsref fares in the Autobahn|Testsuite, as server and as client, group by group.',
    '---',
    '',
    'This page is generated by `npm run autobahn:report` from the suite\'s reports (summarized in',
    '`autobahn/results/summary.json`); do not edit it by hand. See `autobahn/README.md` for how to run the suite.',
    '',
    'Outcomes: **OK** — behaved as the suite expects; **NON-STRICT** — allowed by the RFC but not the',
    'preferred behavior; **INFORMATIONAL** — the RFC leaves it open, recorded for information;',
    '**UNIMPLEMENTED** — feature not offered; **FAILED** — broke a MUST.',
  ];
  for (const direction of DIRECTIONS) {
    const s = summary.directions[direction];
    out.push('', `## ${DIRECTION_TITLES[direction]}`, '');
    if (s === undefined) {
      out.push('Not run yet.');
      continue;
    }
    out.push(`Agent \`${s.agent}\`, ${s.total} cases, run ${s.date}${s.suite ? ` with ${s.suite}` : ''}.`, '');
    out.push(`| group | ${OUTCOMES.join(' | ')} |`, `| --- | ${OUTCOMES.map(() => '---:').join(' | ')} |`);
    for (const g of sortedGroups(s)) {
      out.push(`| ${g} ${GROUP_NAMES[g] ?? ''} | ${OUTCOMES.map((o) => s.groups[g]![o]).join(' | ')} |`);
    }
    out.push(`| **all** | ${OUTCOMES.map((o) => `**${s.counts[o]}**`).join(' | ')} |`);
    const problems = [...s.failing, ...s.closeProblems].sort((a, b) => compareCaseIds(a.id, b.id));
    if (problems.length === 0) {
      out.push('', 'Every case is OK or INFORMATIONAL.');
      continue;
    }
    out.push('', '| case | behavior | close behavior | close code | what the case does |', '| --- | --- | --- | ---: | --- |');
    for (const p of problems) {
      out.push(
        `| ${p.id} | ${p.behavior} | ${p.behaviorClose} | ${p.remoteCloseCode ?? '—'} | ${cell(p.description ?? '')} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
