// What wsref's receiving connection (src/core/connection.ts) did with the bytes: the messages
// and control frames it delivered, the frames it wrote back, and — when a rule was broken — the
// close code it failed the connection with (RFC 6455 §7.1.7, §7.4.1) and the rule it applied.

import React from 'react';
import { hex } from '@wsref/core';
import type { InspectResult, ReceiverEvent, Sender } from '../../lib/frame-lab';
import { RULES } from '@wsref/core/rules.js';
import FrameView from './FrameView';
import RuleLink from './RuleLink';
import styles from './styles.module.css';

const TEXT_SHOWN = 400;
const BYTES_SHOWN = 64;

function showText(data: Uint8Array): string {
  const text = new TextDecoder().decode(data);
  return text.length > TEXT_SHOWN ? `${JSON.stringify(text.slice(0, TEXT_SHOWN))}… (${data.length} bytes)` : JSON.stringify(text);
}

function showBytes(data: Uint8Array): string {
  if (data.length === 0) return 'no bytes';
  return data.length > BYTES_SHOWN ? `${hex(data.subarray(0, BYTES_SHOWN))} … (${data.length} bytes)` : hex(data);
}

function describeEvent(event: ReceiverEvent): React.ReactNode {
  switch (event.kind) {
    case 'message':
      return event.isText ? (
        <>delivers a <strong>text message</strong>: <code data-testid="decoded-text">{showText(event.data)}</code></>
      ) : (
        <>delivers a <strong>binary message</strong> of {event.data.length} bytes: <code>{showBytes(event.data)}</code></>
      );
    case 'ping':
      return <>receives a <strong>ping</strong> ({showBytes(event.data)}) and answers with a pong carrying the same data (RFC 6455 §5.5.2)</>;
    case 'pong':
      return <>receives a <strong>pong</strong> ({showBytes(event.data)}); nothing to answer (RFC 6455 §5.5.3)</>;
    case 'close':
      return <>receives a <strong>close frame</strong> (code {event.code}{event.reason ? `, reason ${JSON.stringify(event.reason)}` : ''}) and answers with its own, echoing the code and reason (RFC 6455 §5.5.1)</>;
    case 'error':
      return null; // shown as the failure below
  }
}

export interface ReceiverViewProps {
  readonly result: InspectResult;
  readonly sender: Sender;
}

export default function ReceiverView({ result, sender }: ReceiverViewProps): React.JSX.Element {
  const receiver = sender === 'client' ? 'server' : 'client';
  const delivered = result.events.filter((e) => e.kind !== 'error');
  const { failure } = result;
  const rule = failure?.ruleCode === undefined ? undefined : Object.values(RULES).find((row) => row.code === failure.ruleCode);
  return (
    <section className={styles.receiver} data-testid="receiver" data-close-code={failure?.code ?? ''}>
      <h4 className={styles.receiverTitle}>What wsref does on receiving these bytes</h4>
      <p className={styles.note}>
        A <code>Connection</code> in the <strong>{receiver}</strong> role (src/core/connection.ts) was fed the bytes above
        {sender === 'client' ? ', as a server receives them from a client' : ', as a client receives them from a server'}.
      </p>
      {delivered.length > 0 ? (
        <ul className={styles.events}>
          {delivered.map((event, i) => (
            <li key={i} data-event={event.kind}>
              It {describeEvent(event)}.
            </li>
          ))}
        </ul>
      ) : null}
      {failure ? (
        <div className={styles.failure} role="alert" data-testid="failure">
          It <strong>fails the connection</strong> (RFC 6455 §7.1.7) with close code{' '}
          <strong className={styles.closeCode}>{failure.code}</strong> ({failure.name}): {failure.reason}
          {rule ? <> — <RuleLink rule={rule} /> ({rule.checks})</> : null}.
        </div>
      ) : null}
      {result.awaiting > 0 && !failure ? (
        <p className={styles.note} data-testid="awaiting">
          The input ends inside a frame: the receiver waits for {result.awaiting} more byte{result.awaiting === 1 ? '' : 's'}
          {' '}before it can go on (a frame may arrive in any number of pieces, RFC 6455 §5.2).
        </p>
      ) : null}
      {delivered.length === 0 && !failure && result.awaiting === 0 ? <p className={styles.note}>Nothing to deliver yet.</p> : null}
      {result.replies.map((frame, i) => (
        <FrameView key={i} frame={frame} title={`It writes back, frame ${i + 1}:`} compact />
      ))}
    </section>
  );
}
