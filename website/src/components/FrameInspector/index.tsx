// The frame inspector (docs/inspector.mdx), RFC 6455 §5 in the browser with wsref's own core:
//   build — a message or control frame is sent by a core `Connection` (the bytes wsref writes:
//           `writeFrameHeader`, `maskInto`, the compression extensions over pako);
//   paste — any bytes, taken apart by `annotateFrame` and received by a core `Connection`,
//           which delivers them or fails with the close code the RFC requires.
// All the protocol work is in website/src/lib/frame-lab.ts; this file is the form around it.

import React, { useMemo, useState } from 'react';
import { hex } from '@wsref/core';
import {
  MAX_FRAGMENTS,
  composeFrames,
  inspectBytes,
  parseHex,
  parseMaskKey,
  type Compression,
  type FrameKind,
  type InspectResult,
  type Sender,
} from '../../lib/frame-lab';
import { createPakoCodec } from '../../lib/pako-codec';
import { BROKEN_EXAMPLES, RFC_EXAMPLES, type FrameExample } from '../../lib/inspector-examples';
import FrameView from './FrameView';
import ReceiverView from './ReceiverView';
import styles from './styles.module.css';

type Mode = 'build' | 'paste';
type PayloadFormat = 'text' | 'hex';

/** Wire bytes shown in the summary box before the rest is summarised. */
const WIRE_HEX_SHOWN = 4096;

export interface FrameInspectorProps {
  /** Bytes to take apart first, as hex (e.g. the RFC 6455 §5.7 masked "Hello"). */
  readonly initialHex?: string;
  /** Who sent `initialHex`; default: client when its MASK bit is set, else server. */
  readonly initialSender?: Sender;
}

function guessSender(hexText: string): Sender {
  const bytes = parseHex(hexText);
  return typeof bytes !== 'string' && bytes.length > 1 && (bytes[1]! & 0x80) !== 0 ? 'client' : 'server';
}

interface Outcome {
  readonly bytes?: Uint8Array;
  readonly result?: InspectResult;
  readonly error?: string;
}

function Radio<T extends string>(props: {
  readonly name: string;
  readonly value: T;
  readonly options: readonly (readonly [T, string])[];
  readonly onChange: (value: T) => void;
  readonly disabled?: boolean;
}): React.JSX.Element {
  return (
    <span className={styles.radioGroup} role="radiogroup">
      {props.options.map(([value, label]) => (
        <label key={value} className={styles.radio}>
          <input
            type="radio"
            name={props.name}
            value={value}
            checked={props.value === value}
            disabled={props.disabled}
            onChange={() => props.onChange(value)}
            data-testid={`${props.name}-${value}`}
          />{' '}
          {label}
        </label>
      ))}
    </span>
  );
}

export default function FrameInspector({ initialHex = '81 85 37 fa 21 3d 7f 9f 4d 51 58', initialSender }: FrameInspectorProps): React.JSX.Element {
  const codec = useMemo(() => createPakoCodec(), []);
  const [mode, setMode] = useState<Mode>('paste');
  const [sender, setSender] = useState<Sender>(initialSender ?? guessSender(initialHex));
  const [compression, setCompression] = useState<Compression>('none');
  // Paste mode.
  const [hexText, setHexText] = useState(initialHex);
  const [exampleNote, setExampleNote] = useState<string | undefined>(undefined);
  // Build mode.
  const [message, setMessage] = useState('Hello');
  const [payloadFormat, setPayloadFormat] = useState<PayloadFormat>('text');
  const [kind, setKind] = useState<FrameKind>('text');
  const [closeCode, setCloseCode] = useState('1000');
  const [closeReason, setCloseReason] = useState('');
  const [fragments, setFragments] = useState(1);
  const [maskMode, setMaskMode] = useState<'fixed' | 'random'>('fixed');
  const [maskText, setMaskText] = useState('37 fa 21 3d');
  const [reroll, setReroll] = useState(0);

  const isControl = kind === 'ping' || kind === 'pong' || kind === 'close';

  const outcome: Outcome = useMemo(() => {
    if (mode === 'paste') {
      const bytes = parseHex(hexText);
      if (typeof bytes === 'string') return { error: `Not hex: ${bytes}.` };
      if (bytes.length === 0) return { error: 'Paste the bytes of one or more frames, in hex.' };
      return { bytes, result: inspectBytes({ bytes, sender, compression, codec }) };
    }
    let payload: Uint8Array;
    if (payloadFormat === 'hex') {
      const parsed = parseHex(message);
      if (typeof parsed === 'string') return { error: `Payload is not hex: ${parsed}.` };
      payload = parsed;
    } else {
      payload = new TextEncoder().encode(message);
    }
    let maskKey: number | 'random' = 'random';
    if (sender === 'client' && maskMode === 'fixed') {
      const key = parseMaskKey(maskText);
      if (typeof key === 'string') return { error: `Masking key: ${key}.` };
      maskKey = key;
    }
    let code: number | undefined;
    if (kind === 'close' && closeCode.trim() !== '') {
      code = Number(closeCode);
      if (!Number.isInteger(code)) return { error: 'The close code must be a whole number, e.g. 1000.' };
    }
    const composed = composeFrames({
      sender, kind, payload, closeCode: code, closeReason, fragments: isControl ? 1 : fragments,
      compression: isControl ? 'none' : compression, maskKey, codec,
    });
    if (composed.error) return { error: `wsref refuses to send this: ${composed.error}.` };
    return { bytes: composed.bytes, result: inspectBytes({ bytes: composed.bytes, sender, compression, codec }) };
    // `reroll` only asks for new random keys.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode, hexText, sender, compression, codec, payloadFormat, message, maskMode, maskText, kind, closeCode, closeReason, fragments, isControl, reroll]);

  const loadExample = (example: FrameExample) => {
    setMode('paste');
    setHexText(example.hex);
    setSender(example.sender);
    setCompression(example.compression);
    setExampleNote(example.note);
  };

  const wire = outcome.bytes;
  const result = outcome.result;
  return (
    <div className={styles.inspector} data-testid="frame-inspector" data-mode={mode}>
      <div className={styles.tabs} role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'build'} className={mode === 'build' ? styles.tabActive : styles.tab} onClick={() => setMode('build')} data-testid="mode-build">
          Build a frame
        </button>
        <button type="button" role="tab" aria-selected={mode === 'paste'} className={mode === 'paste' ? styles.tabActive : styles.tab} onClick={() => setMode('paste')} data-testid="mode-paste">
          Paste bytes
        </button>
      </div>

      <div className={styles.controls}>
        {mode === 'paste' ? (
          <>
            <label className={styles.block}>
              <span className={styles.label}>Frame bytes in hex</span>
              <textarea
                className={styles.hexInput}
                value={hexText}
                spellCheck={false}
                rows={3}
                onChange={(e) => {
                  setHexText(e.target.value);
                  setExampleNote(undefined);
                }}
                aria-label="Frame bytes in hex"
                data-testid="hex-input"
              />
            </label>
            {exampleNote ? <p className={styles.note} data-testid="example-note">{exampleNote}</p> : null}
          </>
        ) : (
          <>
            <div className={styles.row}>
              <span className={styles.label}>Frame</span>
              <Radio name="kind" value={kind} onChange={setKind} options={[['text', 'text'], ['binary', 'binary'], ['ping', 'ping'], ['pong', 'pong'], ['close', 'close']]} />
            </div>
            {kind === 'close' ? (
              <div className={styles.row}>
                <label>
                  <span className={styles.label}>Status code</span>
                  <input className={styles.small} value={closeCode} onChange={(e) => setCloseCode(e.target.value)} inputMode="numeric" aria-label="Close status code" data-testid="close-code" />
                </label>
                <label>
                  <span className={styles.label}>Reason</span>
                  <input className={styles.medium} value={closeReason} onChange={(e) => setCloseReason(e.target.value)} aria-label="Close reason" data-testid="close-reason" />
                </label>
                <span className={styles.note}>Leave the code empty for a close frame without a body (RFC 6455 §5.5.1).</span>
              </div>
            ) : (
              <>
                <label className={styles.block}>
                  <span className={styles.label}>{kind === 'ping' || kind === 'pong' ? 'Application data' : 'Message'}</span>
                  <textarea className={styles.messageInput} value={message} rows={2} onChange={(e) => setMessage(e.target.value)} aria-label="Message" data-testid="message-input" />
                </label>
                <div className={styles.row}>
                  <span className={styles.label}>Written as</span>
                  <Radio name="payload-format" value={payloadFormat} onChange={setPayloadFormat} options={[['text', 'text (sent as UTF-8)'], ['hex', 'hex bytes']]} />
                </div>
              </>
            )}
            <div className={styles.row}>
              <label>
                <span className={styles.label}>Fragments</span>
                <input
                  type="number" min={1} max={MAX_FRAGMENTS} className={styles.small} value={isControl ? 1 : fragments} disabled={isControl}
                  onChange={(e) => setFragments(Math.max(1, Math.min(MAX_FRAGMENTS, Number(e.target.value) || 1)))}
                  aria-label="Number of fragments" data-testid="fragments"
                />
              </label>
              <span className={styles.note}>{isControl ? 'Control frames are never fragmented (RFC 6455 §5.5).' : 'One message as several frames (RFC 6455 §5.4).'}</span>
            </div>
            {sender === 'client' ? (
              <div className={styles.row}>
                <span className={styles.label}>Masking key</span>
                <Radio name="mask" value={maskMode} onChange={setMaskMode} options={[['fixed', 'fixed'], ['random', 'random (a fresh key per frame)']]} />
                {maskMode === 'fixed' ? (
                  <input className={styles.medium} value={maskText} onChange={(e) => setMaskText(e.target.value)} aria-label="Masking key in hex" spellCheck={false} data-testid="mask-key" />
                ) : (
                  <button type="button" className={styles.smallButton} onClick={() => setReroll((n) => n + 1)}>New keys</button>
                )}
              </div>
            ) : null}
          </>
        )}
        <div className={styles.row}>
          <span className={styles.label}>Sent by</span>
          <Radio name="sender" value={sender} onChange={setSender} options={[['client', 'client → server (masked)'], ['server', 'server → client']]} />
        </div>
        <div className={styles.row}>
          <label>
            <span className={styles.label}>Compression</span>
            <select value={compression} onChange={(e) => setCompression(e.target.value as Compression)} aria-label="Compression extension" data-testid="compression">
              <option value="none">none</option>
              <option value="permessage-deflate">permessage-deflate (per message, RFC 7692)</option>
              <option value="deflate-frame">deflate-frame (per frame, draft)</option>
            </select>
          </label>
          <span className={styles.note}>
            {mode === 'paste' ? 'The extension negotiated in the handshake: it decides what RSV1 means.' : isControl ? 'Control frames are never compressed.' : 'Every message is compressed here, however short (threshold 0).'}
          </span>
        </div>
      </div>

      <div className={styles.examples}>
        <span className={styles.label}>RFC examples</span>
        {RFC_EXAMPLES.map((example) => (
          <button key={example.id} type="button" className={styles.exampleButton} title={example.note} onClick={() => loadExample(example)} data-testid={`example-${example.id}`}>
            {example.label}
          </button>
        ))}
      </div>
      <div className={styles.examples}>
        <span className={styles.label}>Broken frames</span>
        {BROKEN_EXAMPLES.map((example) => (
          <button key={example.id} type="button" className={`${styles.exampleButton} ${styles.exampleBroken}`} title={example.note} onClick={() => loadExample(example)} data-testid={`example-${example.id}`}>
            {example.label}
          </button>
        ))}
      </div>

      <div className={styles.output} aria-live="polite">
        {outcome.error ? <p className={styles.inputError} role="alert" data-testid="input-error">{outcome.error}</p> : null}
        {wire && result ? (
          <>
            <div className={styles.wire}>
              <span className={styles.label}>
                On the wire: {wire.length} byte{wire.length === 1 ? '' : 's'}, {result.frames.length} frame{result.frames.length === 1 ? '' : 's'}
              </span>
              <code className={styles.wireHex} data-testid="wire-hex">
                {hex(wire.subarray(0, WIRE_HEX_SHOWN))}
                {wire.length > WIRE_HEX_SHOWN ? ` … (${wire.length - WIRE_HEX_SHOWN} more bytes)` : ''}
              </code>
              {mode === 'build' && wire.length <= WIRE_HEX_SHOWN ? (
                <button type="button" className={styles.smallButton} onClick={() => { setHexText(hex(wire)); setExampleNote(undefined); setMode('paste'); }} data-testid="to-paste">
                  Edit these bytes
                </button>
              ) : null}
            </div>
            <div data-testid="frames">
              {result.frames.map((frame, i) => (
                <FrameView key={`${frame.offset}-${i}`} frame={frame} title={`Frame ${i + 1}`} />
              ))}
            </div>
            {result.unlisted > 0 ? <p className={styles.note}>… and {result.unlisted} more bytes in further frames (only the first {result.frames.length} are listed).</p> : null}
            <ReceiverView result={result} sender={sender} />
          </>
        ) : null}
      </div>
      <p className={styles.footnote}>
        Everything above is computed in your browser by wsref's protocol core (<code>src/core/</code>); DEFLATE is pako, a
        JavaScript port of zlib.
      </p>
    </div>
  );
}
