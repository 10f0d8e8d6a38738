// "Talk to the live server" (docs/inspector.mdx): when this site is served by `npm start`
// (examples/server.ts), the same origin has wsref's echo endpoint at /echo (RFC 6455 §1.7: one
// port for HTTP and WebSocket). The browser's WebSocket API hides frames, so next to what the
// browser sent and received the panel shows the frames wsref's core writes for the same
// messages: the client frame (masked with an illustrative key; the browser picks its own) and
// the server frame, both with the compression the handshake negotiated.

import React, { useEffect, useMemo, useRef, useState } from 'react';
import { MirroredConversation, splitFrames, type InspectedFrame } from '../../lib/frame-lab';
import { createPakoCodec } from '../../lib/pako-codec';
import FrameView from '../FrameInspector/FrameView';
import styles from '../FrameInspector/styles.module.css';

type Status = 'idle' | 'connecting' | 'open' | 'unavailable' | 'closed';

interface Exchange {
  readonly id: number;
  readonly sent: string;
  readonly clientFrame: InspectedFrame[];
  readonly received?: string;
  readonly serverFrame?: InspectedFrame[];
}

function echoUrl(): string {
  return `${window.location.origin.replace(/^http/, 'ws')}/echo`;
}

export default function LivePanel(): React.JSX.Element {
  const codec = useMemo(() => createPakoCodec(), []);
  const [status, setStatus] = useState<Status>('idle');
  const [detail, setDetail] = useState('');
  const [extensions, setExtensions] = useState('');
  const [text, setText] = useState('Hello');
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const socket = useRef<WebSocket | undefined>(undefined);
  const mirror = useRef<MirroredConversation | undefined>(undefined);
  const nextId = useRef(1);

  useEffect(() => () => {
    socket.current?.close(1001);
    mirror.current?.dispose();
  }, []);

  const connect = () => {
    if (status === 'connecting' || status === 'open') return;
    setStatus('connecting');
    setDetail('');
    let opened = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(echoUrl());
    } catch (error) {
      setStatus('unavailable');
      setDetail((error as Error).message);
      return;
    }
    socket.current = ws;
    ws.onopen = () => {
      opened = true;
      mirror.current?.dispose();
      mirror.current = new MirroredConversation(ws.extensions, codec);
      setExtensions(ws.extensions);
      setExchanges([]);
      setStatus('open');
    };
    ws.onmessage = (event: MessageEvent) => {
      const data = typeof event.data === 'string' ? event.data : '(binary)';
      // Encode outside the state updater: the compressor keeps its window between calls.
      const serverBytes = mirror.current?.serverFrame(data);
      const serverFrame = serverBytes ? splitFrames(serverBytes, 'server', compressionOf(ws.extensions)).frames : [];
      setExchanges((list) => {
        const i = list.findIndex((x) => x.received === undefined);
        if (i < 0) return list;
        const copy = list.slice();
        copy[i] = { ...list[i]!, received: data, serverFrame };
        return copy;
      });
    };
    ws.onclose = (event: CloseEvent) => {
      socket.current = undefined;
      if (opened) {
        setStatus('closed');
        setDetail(`closed with code ${event.code}${event.reason ? ` (${event.reason})` : ''}`);
      } else {
        setStatus('unavailable');
      }
    };
  };

  const send = () => {
    const ws = socket.current;
    if (!ws || ws.readyState !== WebSocket.OPEN || !mirror.current) return;
    const clientBytes = mirror.current.clientFrame(text);
    ws.send(text);
    const id = nextId.current++;
    setExchanges((list) => [...list, { id, sent: text, clientFrame: splitFrames(clientBytes, 'client', compressionOf(ws.extensions)).frames }]);
  };

  return (
    <div className={styles.live} data-testid="live-panel" data-status={status}>
      <div className={styles.row}>
        <button type="button" className={styles.liveButton} onClick={connect} disabled={status === 'connecting' || status === 'open'} data-testid="live-connect">
          {status === 'closed' || status === 'unavailable' ? 'Reconnect' : 'Connect'} to /echo
        </button>
        <span className={styles.liveStatus} role="status" data-testid="live-status">
          {status === 'idle' && 'Not connected.'}
          {status === 'connecting' && 'Connecting…'}
          {status === 'open' && <>Connected. Negotiated extensions: <code data-testid="live-extensions">{extensions || 'none'}</code></>}
          {status === 'closed' && `Disconnected: ${detail}.`}
          {status === 'unavailable' && 'No WebSocket server answers at /echo here.'}
        </span>
      </div>
      {status === 'unavailable' ? (
        <p className={styles.note} data-testid="live-unavailable">
          This copy of the site is served by a plain static file server (for example <code>npm run docs:serve</code>), which has
          no WebSocket endpoints{detail ? ` (${detail})` : ''}. Run <code>npm start</code> and open the inspector from the address it
          prints (http://127.0.0.1:8080/ by default): the same server then serves these pages and the echo endpoint.
        </p>
      ) : null}
      {status === 'open' ? (
        <div className={styles.row}>
          <input
            className={styles.liveInput}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') send();
            }}
            aria-label="Message to send"
            data-testid="live-input"
          />
          <button type="button" className={styles.liveButton} onClick={send} data-testid="live-send">
            Send
          </button>
        </div>
      ) : null}
      {exchanges.map((x) => (
        <div key={x.id} className={styles.exchange} data-testid="live-exchange">
          <div>
            <strong>You sent</strong> <code>{JSON.stringify(x.sent)}</code>. wsref's client would send it as:
          </div>
          {x.clientFrame.map((frame, i) => (
            <FrameView key={i} frame={frame} title="client → server" compact />
          ))}
          {x.received === undefined ? (
            <p className={styles.note}>Waiting for the echo…</p>
          ) : (
            <>
              <p className={styles.received}>
                <strong>The server echoed</strong> <code data-testid="live-received">{JSON.stringify(x.received)}</code>{' '}
                {x.received === x.sent ? <span className={styles.match}>(the same message)</span> : null}, in this frame:
              </p>
              {(x.serverFrame ?? []).map((frame, i) => (
                <FrameView key={i} frame={frame} title="server → client" compact />
              ))}
            </>
          )}
        </div>
      ))}
    </div>
  );
}

function compressionOf(extensions: string): 'none' | 'permessage-deflate' {
  return /permessage-deflate/i.test(extensions) ? 'permessage-deflate' : 'none';
}
