// RFC 6455 §5.2, §10.4, §10.7 and RFC 7692 §8 at soak scale: 100,000 fuzz cases against the core
// Connection, 1 MB and 4 MB pathological header values, and the frame-level attacks with the
// *default* limits (64 MiB messages, 64 MiB buffered): a 1 GiB message declared and trickled, a
// message of millions of 1-byte fragments, a 1 GiB decompression bomb, and a ping flood from a
// peer that never reads. Memory is read from the kernel's peak-RSS mark.

import type { Session } from '../src/index.js';
import { ProtocolError } from '../src/index.js';
import { describeConfig, FUZZ_CONFIGS, fuzzConnection, FuzzTally, PATHOLOGICAL_HEADER_VALUES, timeParse } from '../spec-tests/robustness/fuzz-kit.js';
import { encodeFrame, FrameReader, OP, rawUpgrade, readFrames, Resources, until, type RawFrame } from '../spec-tests/helpers/node-peers.js';
import { closeCodeOf, collectGarbage, FIN, maskedHeader, MiB, peakRss, pump, resetPeakRss, RSV1, startEchoServer, zeroBomb } from '../spec-tests/robustness/net-kit.js';
import type { SoakReport } from './report.js';

export async function fuzzPhase(report: SoakReport, totalCases: number): Promise<void> {
  const perConfig = Math.ceil(totalCases / FUZZ_CONFIGS.length);
  for (const config of FUZZ_CONFIGS) {
    const tally = new FuzzTally();
    let error: unknown;
    try {
      fuzzConnection(config, perConfig, { tally });
    } catch (e) {
      error = e;
    }
    report.fuzzCases += tally.cases;
    report.check('fuzz', `${describeConfig(config)}: ${perConfig} cases hold every invariant`, error === undefined, error ? String(error).slice(0, 2_000) : tally.toString());
  }
  for (const { header, name, make } of PATHOLOGICAL_HEADER_VALUES) {
    const { small, large } = timeParse(header, make, 4 * MiB);
    report.check('fuzz', `${header}: 4 MB of ${name} in linear time`, large < 10 * Math.max(small, 20) && large < 10_000, `1 MB ${small.toFixed(0)} ms, 4 MB ${large.toFixed(0)} ms`);
  }
}

interface Hostile {
  reader: FrameReader;
  socket: import('node:net').Socket;
  session: Session;
  errors: Error[];
}

async function hostileClient(resources: Resources, options: Parameters<typeof startEchoServer>[1], headers: Record<string, string> = {}, read = true): Promise<Hostile> {
  const echo = await startEchoServer(resources, options);
  const sessions: Session[] = [];
  const errors: Error[] = [];
  echo.wss.on('connection', (s) => {
    sessions.push(s);
    s.on('error', (e) => errors.push(e));
  });
  const { socket, head } = await rawUpgrade(echo.port, '/echo', resources, headers);
  if (head.status !== 101) throw new Error(`upgrade answered ${head.status}`);
  const reader = read ? readFrames(socket, head.rest) : new FrameReader();
  await until(() => sessions.length === 1, 5_000, 'session');
  return { reader, socket, session: sessions[0]!, errors };
}

async function closeFrameCode(reader: FrameReader, ms: number): Promise<number | undefined> {
  await until(() => reader.frames.some((f) => f.opcode === OP.close), ms, 'a close frame from the server');
  const frame: RawFrame = reader.frames.find((f) => f.opcode === OP.close)!;
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined;
}

const tooBig = (errors: Error[]) => errors.some((e) => e instanceof ProtocolError && e.closeCode === 1009);
const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;

/** Peak RSS growth over `baseline` during `run` (0 when the kernel mark is unavailable). */
async function peakGrowth(report: SoakReport, run: () => Promise<void>): Promise<number> {
  report.notePeakRss(peakRss()); // the mark is about to be reset: keep the peak so far
  collectGarbage();
  const measurable = resetPeakRss();
  const baseline = process.memoryUsage().rss;
  await run();
  const peak = peakRss();
  report.notePeakRss(peak);
  return measurable && peak !== undefined ? peak - baseline : 0;
}

export async function frameAttackPhase(report: SoakReport): Promise<void> {
  const resources = new Resources();
  const phase = 'frame attacks';
  try {
    // A 1 GiB message declared in its header: refused before any payload (default limit 64 MiB).
    {
      const h = await hostileClient(resources, {});
      const started = performance.now();
      h.socket.write(maskedHeader(FIN | OP.binary, 1n << 30n));
      const code = await closeFrameCode(h.reader, 2_000);
      const ms = performance.now() - started;
      report.check(phase, '1 GiB declared in one header: 1009 at once', code === 1009 && tooBig(h.errors) && ms < 1_000, `close ${code} after ${ms.toFixed(0)} ms`);
    }
    // A 2^63 − 1 length: 1009 (RFC 6455 §5.2 allows it; no limit does).
    {
      const h = await hostileClient(resources, {});
      h.socket.write(maskedHeader(FIN | OP.binary, (1n << 63n) - 1n));
      const code = await closeFrameCode(h.reader, 2_000);
      report.check(phase, '2^63 − 1 length: 1009', code === 1009, `close ${code}`);
    }
    // 1 GiB trickled as undeclared 64 KiB fragments against the default 64 MiB limit.
    {
      let sent = 0;
      let code: number | undefined;
      let errors: Error[] = [];
      const growth = await peakGrowth(report, async () => {
        const h = await hostileClient(resources, {});
        errors = h.errors;
        const body = Buffer.alloc(64 * 1024, 0x61);
        h.socket.write(Buffer.concat([maskedHeader(OP.binary, body.length), body]));
        sent = await pump(h.socket, Buffer.concat([maskedHeader(OP.continuation, body.length), body]), 1 << 30);
        code = await closeFrameCode(h.reader, 30_000);
      });
      report.check(
        phase,
        '1 GiB trickled in 64 KiB fragments: 1009 at the 64 MiB limit, memory bounded',
        code === 1009 && tooBig(errors) && sent < 1 << 30 && (growth === 0 || growth < 64 * MiB + 160 * MiB),
        `close ${code} after ${mib(sent)} sent, peak RSS +${mib(growth)}`,
      );
    }
    // A message made of 1-byte fragments (8 million of them) against an 8 MiB limit.
    {
      let code: number | undefined;
      let sent = 0;
      const limit = 8 * MiB;
      const growth = await peakGrowth(report, async () => {
        const h = await hostileClient(resources, { maxMessageSize: limit });
        const tiny = (first: number) => Buffer.concat([maskedHeader(first, 1), Buffer.of(0x61)]);
        h.socket.write(tiny(OP.binary));
        sent = await pump(h.socket, Buffer.concat(Array.from({ length: 4096 }, () => tiny(OP.continuation))), 16 * limit * 7);
        code = await closeFrameCode(h.reader, 60_000);
      });
      report.check(phase, '8 M fragments of 1 byte: 1009 at the 8 MiB limit, memory bounded', code === 1009 && (growth === 0 || growth < 160 * MiB), `close ${code} after ${mib(sent)} of frames, peak RSS +${mib(growth)}`);
    }
    // A 1 GiB decompression bomb (~1 MB on the wire) against the default 64 MiB limit.
    {
      const bomb = zeroBomb(1024);
      let code: number | undefined;
      let errors: Error[] = [];
      const growth = await peakGrowth(report, async () => {
        const h = await hostileClient(resources, { perMessageDeflate: true }, { 'Sec-WebSocket-Extensions': 'permessage-deflate' });
        errors = h.errors;
        h.socket.write(Buffer.concat([maskedHeader(FIN | RSV1 | OP.binary, bomb.length), bomb]));
        code = await closeFrameCode(h.reader, 30_000);
      });
      report.check(
        phase,
        `1 GiB decompression bomb in ${mib(bomb.length)}: 1009 at the 64 MiB limit, memory bounded`,
        code === 1009 && tooBig(errors) && (growth === 0 || growth < 64 * MiB + 160 * MiB),
        `close ${code}, peak RSS +${mib(growth)}`,
      );
    }
    // Pings flooded by a peer that never reads, against the default 64 MiB maxBufferedAmount.
    {
      const h = await hostileClient(resources, {}, {}, false);
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, h.session.bufferedAmount)), 1);
      const closed = closeCodeOf(h.session, 120_000);
      const ping = encodeFrame(OP.ping, Buffer.alloc(125, 1), { mask: true });
      const sent = await pump(h.socket, Buffer.concat(Array.from({ length: 1024 }, () => ping)), 4 * 1024 ** 3);
      const code = await closed;
      clearInterval(sampler);
      report.check(
        phase,
        'ping flood from a peer that never reads: dropped at the 64 MiB maxBufferedAmount',
        code === 1006 && peak <= 64 * MiB + 256 && h.errors.some((e) => /not reading/.test(e.message)),
        `closed ${code} after ${mib(sent)} of pings, peak buffered ${mib(peak)}`,
      );
    }
  } finally {
    await resources.cleanup();
  }
}
