// The latest Autobahn|Testsuite results (autobahn/results/summary.json, written by
// `npm run autobahn:report`) on docs/conformance/autobahn.md: per direction, the verdict counts,
// the case groups (RFC 6455 framing §5, control frames §5.5, UTF-8 §8.1, closing §7, RFC 7692
// compression) and any case that did not pass. Without the file, the page says how to produce it.

import React from 'react';
import summary from '@wsref/data/autobahn-summary';
import {
  DIRECTIONS,
  DIRECTION_TITLES,
  GROUP_NAMES,
  OUTCOMES,
  type CaseProblem,
  type DirectionSummary,
  type ResultsSummary,
} from '../../../../autobahn/report-model';
import styles from './styles.module.css';

/** Cases listed per direction before the rest is only counted. */
const CASES_LISTED = 40;

function isSummary(value: unknown): value is ResultsSummary {
  return typeof value === 'object' && value !== null && typeof (value as ResultsSummary).directions === 'object';
}

function compareGroups(a: string, b: string): number {
  return Number(a) - Number(b);
}

function Problems({ title, cases }: { title: string; cases: readonly CaseProblem[] }): React.JSX.Element | null {
  if (cases.length === 0) return null;
  return (
    <>
      <p className={styles.problemsTitle}>
        {title} ({cases.length}):
      </p>
      <ul className={styles.problems}>
        {cases.slice(0, CASES_LISTED).map((c) => (
          <li key={c.id}>
            <code>{c.id}</code> {c.behavior}
            {c.behaviorClose && c.behaviorClose !== 'OK' ? ` (close: ${c.behaviorClose})` : ''}
            {c.description ? ` — ${c.description}` : ''}
          </li>
        ))}
        {cases.length > CASES_LISTED ? <li>… and {cases.length - CASES_LISTED} more</li> : null}
      </ul>
    </>
  );
}

function Direction({ title, data }: { title: string; data: DirectionSummary }): React.JSX.Element {
  const groups = Object.keys(data.groups).sort(compareGroups);
  return (
    <div className={styles.direction} data-testid="autobahn-direction">
      <p className={styles.directionTitle}>
        <strong>{title}</strong> — agent <code>{data.agent}</code>, run {data.date.slice(0, 10)}
        {data.suite ? `, suite ${data.suite}` : ''}: {data.total} cases.
      </p>
      <div className={styles.counts}>
        {OUTCOMES.map((outcome) => (
          <span key={outcome} className={`${styles.count} ${data.counts[outcome] > 0 && (outcome === 'FAILED' || outcome === 'NON-STRICT' || outcome === 'UNIMPLEMENTED') ? styles.countBad : ''}`}>
            {outcome} <strong>{data.counts[outcome]}</strong>
          </span>
        ))}
      </div>
      <div className={styles.scroll}>
        <table className={styles.table}>
          <thead>
            <tr>
              <th>group</th>
              {OUTCOMES.map((o) => (
                <th key={o}>{o}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {groups.map((group) => (
              <tr key={group}>
                <td>
                  {group}. {GROUP_NAMES[group] ?? ''}
                </td>
                {OUTCOMES.map((o) => (
                  <td key={o} className={styles.number}>
                    {data.groups[group]![o] || ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Problems title="Cases that did not pass" cases={data.failing} />
      <Problems title="Cases that passed with a wrong closing behaviour" cases={data.closeProblems} />
    </div>
  );
}

export default function AutobahnResults(): React.JSX.Element {
  const directions = isSummary(summary) ? DIRECTIONS.filter((d) => summary.directions[d] !== undefined) : [];
  if (!isSummary(summary) || directions.length === 0) {
    return (
      <div className={styles.absent} data-testid="autobahn-absent">
        <strong>No results committed yet.</strong> Run the suite (above), then <code>npm run autobahn:report</code>: it writes{' '}
        <code>autobahn/results/summary.json</code>, and the next <code>npm run docs</code> shows it here.
      </div>
    );
  }
  return (
    <div data-testid="autobahn-results">
      <p className={styles.generated}>Summary written {summary.generated.slice(0, 10)} by <code>npm run autobahn:report</code>.</p>
      {directions.map((d) => (
        <Direction key={d} title={DIRECTION_TITLES[d]} data={summary.directions[d]!} />
      ))}
    </div>
  );
}
