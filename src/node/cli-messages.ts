// How the `wsref` command prints what a peer sent (RFC 6455 §5.6 data frames, §7.1.5–§7.1.6 the
// close code and reason): one line per message, control characters escaped so that a peer cannot
// drive the learner's terminal, long messages cut to a preview.

const PREVIEW_CHARS = 2000;

/** A message as one safe line: control characters escaped, so a peer cannot drive the terminal. */
export function describeMessage(data: string | Buffer, isBinary: boolean): string {
  if (isBinary) {
    const bytes = data as Buffer;
    const shown = bytes.subarray(0, 32).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    return `binary (${bytes.length} byte${bytes.length === 1 ? '' : 's'}): ${shown}${bytes.length > 32 ? ' …' : ''}`;
  }
  const text = data as string;
  const cut = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}… (${text.length - PREVIEW_CHARS} more characters)` : text;
  return `text: ${escapeControls(cut)}`;
}

function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function describeClose(code: number, reason: string, wasClean: boolean): string {
  return `closed: code ${code}${reason ? ` reason ${JSON.stringify(reason)}` : ''} (${wasClean ? 'clean closing handshake' : 'not clean'})`;
}
