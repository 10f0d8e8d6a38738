// Test helper: whether wsref's public runtime (src/index.ts: WebSocketServer, connect) exists yet.
// Tests of the testees on the real runtime are skipped until it does (RFC 6455 end to end).

import { loadWsrefRuntime, type TesteeRuntime } from '../../autobahn/testee-runtime.js';

async function tryLoad(): Promise<TesteeRuntime | undefined> {
  try {
    return await loadWsrefRuntime();
  } catch {
    return undefined;
  }
}

export const wsrefRuntime: TesteeRuntime | undefined = await tryLoad();
export const runtimeReady = wsrefRuntime !== undefined;
