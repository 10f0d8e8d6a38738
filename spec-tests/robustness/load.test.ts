// RFC 6455 §5–§7 under load and faults, the quick set (the soak runs 10,000 connections):
// hundreds of concurrent echoing clients with nothing lost, peers vanishing without a close
// frame (§7.1.5: 1006, resources freed), wss.close() under load (§7.4.1: 1001 for everyone), and a
// client reconnecting to a restarting server.

import { afterEach, describe, expect, it } from 'vitest';
import { Resources } from '../helpers/node-peers.js';
import { activeResources, reconnectLoop, runEchoSwarm, settleHandles, shutdownUnderLoad, vanishingPeers } from './load-kit.js';
import { startEchoServer } from './net-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const CONNECTIONS = 200;

describe('load and faults (quick set)', () => {
  it(`[6455-6.1-9] [6455-6.2-1] ${CONNECTIONS} concurrent connections each echo 20 messages: none lost or reordered, all closed cleanly, no handle leaked`, async () => {
    const echo = await startEchoServer(resources);
    const baseline = activeResources();
    let held = 0;
    const result = await runEchoSwarm({
      url: echo.url,
      connections: CONNECTIONS,
      messagesPerConnection: 20,
      messageSize: 200,
      onAllOpen: () => {
        held = echo.wss.clients.size;
      },
    });
    expect(result.failedToOpen).toBe(0);
    expect(held).toBe(CONNECTIONS); // all held open at once
    expect(result.sent).toBe(CONNECTIONS * 20);
    expect(result.received).toBe(result.sent);
    expect(result.lost).toBe(0);
    expect(result.corrupted).toBe(0);
    expect(result.closeCodes).toEqual({ 1000: CONNECTIONS });
    expect(await settleHandles(baseline)).toEqual({});
    expect(echo.wss.clients.size).toBe(0);
  }, 60_000);

  it('[6455-6.2-1] [7692-6.2-1] 50 compressed connections echo without loss', async () => {
    const echo = await startEchoServer(resources, { perMessageDeflate: { threshold: 0 } });
    const result = await runEchoSwarm({ url: echo.url, connections: 50, messagesPerConnection: 20, messageSize: 2_000, perMessageDeflate: true });
    expect(result.received).toBe(50 * 20);
    expect(result.lost + result.corrupted).toBe(0);
  }, 60_000);

  it('[wsref] a crowd of peers vanishes at once without a close frame: the server reports 1006 for each and frees every handle', async () => {
    const echo = await startEchoServer(resources);
    const baseline = activeResources();
    const { serverCodes, opened } = await vanishingPeers(echo, CONNECTIONS);
    expect(opened).toBe(CONNECTIONS);
    expect(serverCodes).toEqual({ 1006: CONNECTIONS });
    expect(echo.wss.clients.size).toBe(0);
    expect(await settleHandles(baseline)).toEqual({});
  }, 60_000);

  it(`[6455-7.3-1] [6455-7.4.1-1] wss.close() under load: ${CONNECTIONS} busy sessions all end with 1001 and close() returns`, async () => {
    const echo = await startEchoServer(resources);
    const baseline = activeResources();
    const { clientCodes, echoed, closeMs, remaining } = await shutdownUnderLoad(echo, CONNECTIONS);
    expect(echoed).toBeGreaterThan(CONNECTIONS); // they were busy
    expect(clientCodes).toEqual({ 1001: CONNECTIONS });
    expect(closeMs).toBeLessThan(5_000); // every closing handshake completed before the timeout
    expect(remaining).toBe(0);
    expect(await settleHandles(baseline)).toEqual({});
  }, 60_000);

  it('[wsref] a client reconnects to a server restarted 5 times on the same port; every life serves it', async () => {
    const baseline = activeResources();
    const stats = await reconnectLoop(5);
    expect(stats.echoes).toBe(stats.sessions); // every session got its echo
    expect(stats.sessions).toBeGreaterThanOrEqual(6); // one per life at least
    expect(stats.codes[1001]).toBeGreaterThanOrEqual(5); // each restart said "going away"
    expect(await settleHandles(baseline)).toEqual({});
  }, 60_000);
});
