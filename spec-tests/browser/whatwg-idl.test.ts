// wsref's WHATWG `WebSocket` and `CloseEvent` against Chromium's own (Debian's /usr/bin/chromium
// via playwright-core): the same probe of Web IDL details — event handler attributes given
// non-callable values, constants, class strings, argument conversion, operation lengths — runs in
// the browser and on Node, and the answers must match. Skips loudly without Chromium; fails in CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CloseEvent, WebSocket } from '../../src/index.js';
import { browserTestsEnabled, launchChromium } from '../helpers/browser.js';
import { startServer } from '../helpers/whatwg.js';

/**
 * The probe, as source text so that it runs unchanged in both places. Web IDL's `EventHandler`
 * is `[LegacyTreatNonObjectAsNull] callback EventHandlerNonNull`: a non-object (5, a string)
 * becomes null, but any object is kept as the attribute's value — `ws.onopen = {}` reads back
 * that object — and a non-callable one does nothing when the event fires (its `handleEvent` is
 * not called: that is callback *interface* behaviour, for addEventListener, not for a callback
 * *function*).
 */
const PROBE = `(WebSocket, CloseEvent, url) => {
  const r = {};
  const ws = new WebSocket(url);
  ws.onerror = () => {};
  const object = { handleEvent() { r.handleEventCalled = true; } };
  ws.onopen = object;
  r.objectKept = ws.onopen === object;
  ws.onopen = 5;
  r.numberBecomes = ws.onopen;
  ws.onopen = 'r.stringRan = true';
  r.stringBecomes = ws.onopen;
  const fn = () => {};
  ws.onmessage = fn;
  r.functionKept = ws.onmessage === fn;
  ws.onmessage = null;
  r.nullBecomes = ws.onmessage;
  const closeEvents = [];
  ws.onclose = object;
  ws.addEventListener('close', () => closeEvents.push('listener'));
  ws.dispatchEvent(new CloseEvent('close'));
  r.afterNonCallableHandler = closeEvents;
  r.handleEventCalled = r.handleEventCalled === true;
  r.classString = Object.prototype.toString.call(ws);
  r.closeEventClassString = Object.prototype.toString.call(new CloseEvent('x'));
  r.constants = [WebSocket, WebSocket.prototype].map((t) => {
    const d = Object.getOwnPropertyDescriptor(t, 'CLOSING');
    return [d.value, d.writable, d.enumerable, d.configurable];
  });
  const url_ = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'url');
  r.urlAttribute = [typeof url_.get, url_.set, url_.enumerable, url_.configurable];
  try { new WebSocket(); r.noArgument = 'no exception'; } catch (e) { r.noArgument = e.name; }
  try { new CloseEvent(); r.closeEventNoType = 'no exception'; } catch (e) { r.closeEventNoType = e.name; }
  const c = new CloseEvent('close', { code: 70000, wasClean: 'yes', reason: 123 });
  r.closeInit = [c.code, c.wasClean, c.reason];
  const lone = new CloseEvent('close', { reason: 'a\\ud800' });
  r.loneSurrogate = lone.reason.charCodeAt(1);
  r.lengths = [WebSocket.length, WebSocket.prototype.send.length, WebSocket.prototype.close.length, CloseEvent.length];
  try { ws.send('x'); r.sendWhileConnecting = 'no exception'; } catch (e) { r.sendWhileConnecting = e.name; }
  try { ws.close(1001); } catch (e) { r.closeCode1001 = e.name; }
  ws.binaryType = 'nonsense';
  r.binaryType = ws.binaryType;
  ws.close();
  r.readyStateAfterClose = ws.readyState;
  return r;
}`;

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)('Web IDL details, Chromium and wsref side by side [whatwg-the-websocket-interface]', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[wsref][whatwg-the-websocket-interface][whatwg-the-closeevent-interface] the probe gives the same answers in Chromium and on Node: onopen = {} keeps the object, onopen = 5 is null', async () => {
    const { port } = await startServer();
    const url = `ws://127.0.0.1:${port}/echo`;
    const page = await browser.newPage();
    const inChromium = await page.evaluate(`(${PROBE})(WebSocket, CloseEvent, ${JSON.stringify(url)})`);
    await page.close();
    const onNode = (0, eval)(`(${PROBE})`)(WebSocket, CloseEvent, url) as Record<string, unknown>;
    // One known difference: the standard's CloseEventInit.reason is a USVString (a lone surrogate
    // becomes U+FFFD), Chromium's IDL still says DOMString and keeps it. wsref follows the standard.
    expect((inChromium as Record<string, unknown>).loneSurrogate).toBe(0xd800);
    expect({ ...onNode, loneSurrogate: 0xd800 }).toEqual(inChromium);
    // And what both say, spelled out:
    expect(onNode).toMatchObject({
      objectKept: true,
      numberBecomes: null,
      stringBecomes: null,
      functionKept: true,
      nullBecomes: null,
      afterNonCallableHandler: ['listener'],
      handleEventCalled: false,
      classString: '[object WebSocket]',
      closeEventClassString: '[object CloseEvent]',
      constants: [[2, false, true, false], [2, false, true, false]],
      noArgument: 'TypeError',
      closeEventNoType: 'TypeError',
      closeInit: [4464, true, '123'],
      loneSurrogate: 0xfffd,
      lengths: [1, 1, 0, 1],
      sendWhileConnecting: 'InvalidStateError',
      closeCode1001: 'InvalidAccessError',
      binaryType: 'blob',
      readyStateAfterClose: 2,
    });
  });
});
