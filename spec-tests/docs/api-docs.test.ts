// The API reference (docs/api/, built by website/plugins/wsref-api.ts with TypeDoc) documents
// every exported symbol of the two entry points, `wsref` (src/index.ts) and `wsref/core`
// (src/core/index.ts): an export without a TSDoc comment fails this test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findUndocumentedExports } from '../../website/plugins/wsref-api.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('API reference', () => {
  it('[wsref] every symbol exported by src/index.ts and src/core/index.ts has a documentation comment (TypeDoc validation.notDocumented)', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'wsref-api-'));
    try {
      const undocumented = await findUndocumentedExports({ repo, out: path.join(scratch, 'api'), docsPath: scratch });
      expect(undocumented).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 120_000);
});
