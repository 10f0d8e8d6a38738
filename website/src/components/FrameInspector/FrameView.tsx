// One frame, byte by byte (RFC 6455 §5.2): the bytes grouped by the field they hold, the bits of
// the first two bytes, and a table with each field's value, meaning and defining clause, all
// from `annotateFrame` (src/core/explain/frame-annotate.ts). A field that breaks a rule links the
// rule (src/core/rules.ts) to the docs section that explains it.

import React, { useState } from 'react';
import type { FrameField } from '@wsref/core';
import { hex } from '@wsref/core';
import type { InspectedFrame } from '../../lib/frame-lab';
import RuleLink from './RuleLink';
import styles from './styles.module.css';

/** Payload bytes shown in hex before the rest is summarised. */
const HEX_SHOWN = 2048;

/** A segment of the byte strip: one byte range and the fields it holds. */
interface Segment {
  readonly from: number;
  readonly to: number;
  readonly fields: FrameField[];
  readonly kind: string;
}

function kindOf(field: string): string {
  if (field === 'FIN' || field.startsWith('RSV') || field === 'opcode') return 'byte0';
  if (field === 'MASK' || field === 'Payload len') return 'byte1';
  if (field === 'Extended payload length') return 'length';
  if (field === 'Masking-key') return 'key';
  return 'payload';
}

function segmentsOf(frame: InspectedFrame): Segment[] {
  const segments: Segment[] = [];
  for (const field of frame.annotation.fields) {
    const [from, to] = field.bytes;
    const last = segments[segments.length - 1];
    if (last && last.from === from && last.to === to) last.fields.push(field);
    else segments.push({ from, to, fields: [field], kind: kindOf(field.field) });
  }
  return segments;
}

/** The fields a segment holds; in the compact view a lone field also shows its value (`Status code 1002`). */
function segmentLabel(segment: Segment, compact: boolean): string {
  const names = segment.fields.map((f) => f.field).join(' · ');
  const only = segment.fields.length === 1 ? segment.fields[0]! : undefined;
  if (!compact || !only || only.field === 'Payload data' || only.field === 'Masking-key') return names;
  const shown = only.display.length > 40 ? `${only.display.slice(0, 40)}…` : only.display;
  return `${names} ${shown}`;
}

function byteRange([from, to]: readonly [number, number]): string {
  return to - from <= 1 ? String(from) : `${from}–${to - 1}`;
}

function bitRange([from, to]: readonly [number, number]): string {
  return to - from <= 1 ? String(from) : `${from}–${to - 1}`;
}

const OPCODE_NAMES: Record<number, string> = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

/** "text · FIN · masked · 5-byte payload · 11 bytes" */
export function describeFrame(frame: InspectedFrame): string {
  const a = frame.annotation;
  if (a.fields.length < 2) return 'incomplete header';
  const parts = [OPCODE_NAMES[a.opcode] ?? `reserved opcode 0x${a.opcode.toString(16)}`];
  parts.push(a.fin ? 'FIN' : 'not final');
  if (a.rsv & 0x40) parts.push('RSV1');
  parts.push(a.masked ? 'masked' : 'unmasked');
  if (a.headerComplete) parts.push(`${a.payloadLength}-byte payload`);
  if (frame.wireLength !== undefined) parts.push(`${frame.wireLength} bytes on the wire`);
  return parts.join(' · ');
}

function Bits({ frame }: { frame: InspectedFrame }): React.JSX.Element | null {
  const { bytes } = frame;
  if (bytes.length < 2) return null;
  const b0 = bytes[0]!.toString(2).padStart(8, '0');
  const b1 = bytes[1]!.toString(2).padStart(8, '0');
  const cells: [string, string, string][] = [
    ['FIN', b0[0]!, 'byte0'], ['RSV1', b0[1]!, 'byte0'], ['RSV2', b0[2]!, 'byte0'], ['RSV3', b0[3]!, 'byte0'],
    ['opcode', b0.slice(4), 'byte0'], ['MASK', b1[0]!, 'byte1'], ['Payload len', b1.slice(1), 'byte1'],
  ];
  return (
    // Seven columns do not fit a phone's width: the table scrolls inside its box, not the page.
    <div className={styles.tableScroll}>
      <table className={styles.bits} aria-label="The bits of the first two bytes">
        <thead>
          <tr>{cells.map(([name]) => <th key={name}>{name}</th>)}</tr>
        </thead>
        <tbody>
          <tr>{cells.map(([name, value, kind]) => <td key={name} className={styles[kind]}>{value}</td>)}</tr>
        </tbody>
      </table>
    </div>
  );
}

export interface FrameViewProps {
  readonly frame: InspectedFrame;
  readonly title: string;
  /** Only the byte strip and the summary (the live panel). */
  readonly compact?: boolean;
}

export default function FrameView({ frame, title, compact = false }: FrameViewProps): React.JSX.Element {
  const [hovered, setHovered] = useState<number | undefined>(undefined);
  const segments = segmentsOf(frame);
  const covered = segments.length > 0 ? segments[segments.length - 1]!.to : 0;
  const extra = frame.bytes.length > covered ? frame.bytes.subarray(covered) : undefined;
  const problems = frame.annotation.problems;
  const brokenRules = [...new Set(frame.annotation.rules)]; // RSV2 and RSV3 may break the same rule
  return (
    <div className={styles.frame} data-testid="frame" data-opcode={frame.annotation.opcode}>
      <div className={styles.frameTitle}>
        <strong>{title}</strong> <span className={styles.frameSummary}>{describeFrame(frame)}</span>
      </div>
      <div className={styles.strip} role="list" aria-label="The frame's bytes, grouped by field">
        {segments.map((segment, i) => {
          const shown = frame.bytes.subarray(segment.from, Math.min(segment.to, segment.from + HEX_SHOWN, frame.bytes.length));
          const missing = segment.to - segment.from - shown.length;
          const tip = segment.fields.map((f) => `${f.field} = ${f.display}: ${f.meaning} (${f.rfc})`).join('\n');
          return (
            <span
              key={`${segment.from}-${segment.to}`}
              role="listitem"
              className={`${styles.segment} ${styles[segment.kind]} ${hovered === i ? styles.segmentHovered : ''}`}
              title={tip}
              onMouseEnter={() => setHovered(i)}
              onMouseLeave={() => setHovered(undefined)}
              data-field={segment.fields.map((f) => f.field).join(' ')}
            >
              <span className={styles.segmentHex}>
                {hex(shown)}
                {missing > 0 ? <em className={styles.missing}> … {missing} more byte{missing === 1 ? '' : 's'}{segment.from + shown.length >= frame.bytes.length ? ' (not in the input)' : ''}</em> : null}
              </span>
              <span className={styles.segmentLabel}>{segmentLabel(segment, compact)}</span>
            </span>
          );
        })}
        {extra && extra.length > 0 ? (
          <span role="listitem" className={`${styles.segment} ${styles.unknown}`} title="Bytes the header does not account for yet">
            <span className={styles.segmentHex}>{hex(extra.subarray(0, 16))}</span>
            <span className={styles.segmentLabel}>rest of the header (incomplete)</span>
          </span>
        ) : null}
      </div>
      {compact ? null : (
        <>
          <Bits frame={frame} />
          <div className={styles.tableScroll}>
            <table className={styles.fields}>
              <colgroup>
                <col className={styles.colWhere} />
                <col className={styles.colField} />
                <col className={styles.colValue} />
                <col />
                <col className={styles.colRfc} />
              </colgroup>
              <thead>
                <tr>
                  <th title="byte offset in the frame, and bit offset below it">byte (bits)</th>
                  <th>field</th>
                  <th>value</th>
                  <th>meaning</th>
                  <th>defined in</th>
                </tr>
              </thead>
              <tbody>
                {frame.annotation.fields.map((field) => {
                  const segmentIndex = segments.findIndex((s) => s.fields.includes(field));
                  return (
                    <tr
                      key={`${field.field}-${field.bits[0]}`}
                      data-field={field.field}
                      className={`${field.problem ? styles.problemRow : ''} ${hovered === segmentIndex ? styles.rowHovered : ''}`}
                      onMouseEnter={() => setHovered(segmentIndex)}
                      onMouseLeave={() => setHovered(undefined)}
                    >
                      <td className={styles.mono}>
                        {byteRange(field.bytes)}
                        <div className={styles.bitsNote}>bit{field.bits[1] - field.bits[0] > 1 ? 's' : ''} {bitRange(field.bits)}</div>
                      </td>
                      <td>
                        <span className={`${styles.swatch} ${styles[kindOf(field.field)]}`} aria-hidden="true" />
                        {field.field}
                      </td>
                      <td className={styles.value}>
                        <span data-value>{field.display}</span>
                        {frame.annotation.masked && field.bytes[0] >= frame.annotation.headerLength ? <div className={styles.bitsNote}>after unmasking</div> : null}
                      </td>
                      <td>
                        {field.meaning}
                        {field.problem ? (
                          <div className={styles.problem}>
                            ⚠ {field.problem}
                            {field.rule ? <> (<RuleLink rule={field.rule} />)</> : null}
                          </div>
                        ) : null}
                      </td>
                      <td className={styles.rfc}>{field.rfc}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {problems.length > 0 ? (
            <p className={styles.problemSummary} data-testid="frame-problems">
              This frame breaks {problems.length === 1 ? 'a rule' : `${problems.length} rules`}: {problems.join('; ')}.
              {brokenRules.length > 0 ? <> See {brokenRules.map((rule, i) => <React.Fragment key={rule.code}>{i > 0 ? ', ' : ''}<RuleLink rule={rule} /></React.Fragment>)}.</> : null}
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}
