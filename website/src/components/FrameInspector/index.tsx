// The frame inspector (docs/inspector.mdx): paste a frame's bytes, see every field of
// RFC 6455 §5.2 explained. This is the placeholder: it proves the site can load the protocol
// core (the `@wsref/core` alias, see plugins/wsref-core.ts) and shows a loading state.
// The interactive version will call `annotateFrame` from src/core/frame-annotate.ts.

import React from 'react';
import { ProtocolError } from '@wsref/core/errors.js';
import styles from './styles.module.css';

/** True when the core's sources were bundled: a ProtocolError built here carries its close code. */
function coreIsLinked(): boolean {
  return new ProtocolError(1002, 'probe').closeCode === 1002;
}

export interface FrameInspectorProps {
  /** Bytes to show first, as hex (e.g. the RFC 6455 §5.7 masked "Hello"). */
  readonly initialHex?: string;
}

export default function FrameInspector({ initialHex }: FrameInspectorProps): React.JSX.Element {
  const linked = coreIsLinked();
  return (
    <div className={styles.inspector} data-testid="frame-inspector" data-core-linked={linked ? 'yes' : 'no'}>
      <p className={styles.status} role="status">
        Loading the frame inspector…
      </p>
      {initialHex ? (
        <pre className={styles.bytes}>
          <code>{initialHex}</code>
        </pre>
      ) : null}
      <p className={styles.note}>
        Protocol core {linked ? 'linked' : 'not linked'} (src/core).
      </p>
    </div>
  );
}
