// The chat room of the Jetty 7 WebSocket post (the "seeds"), rebuilt carefully on wsref: members
// join with a name, every message goes to all members, the member list is kept current, and a
// member leaves when its connection closes (RFC 6455 §7). Unlike the original — which trusted
// `user:message` strings and escaped only the first `<` — the server validates everything it is
// sent, and speaks JSON; the page shows it with `textContent`, never as HTML.
//
// Client → server (text messages, JSON):   {"type":"join","name":"Ada"}   {"type":"say","text":"hi"}
// Server → client:
//   {"type":"welcome","name":"Ada","members":["Ada","Bo"]}      to the member who joined
//   {"type":"joined","name":"Ada","members":[…]}                to the others
//   {"type":"left","name":"Bo","members":[…]}                   to the rest, when a member's connection closes
//   {"type":"message","from":"Ada","text":"hi","time":1700000000000}   to every member, sender included
//   {"type":"error","message":"…"}                              to the one whose request was refused

import { CloseCode, type Session } from '../src/index.js';

export interface ChatLimits {
  /** Longest name, in characters. Default 32. */
  maxNameLength: number;
  /** Longest message text, in characters. Default 2000. */
  maxTextLength: number;
  /** Most members at once. Default 200. */
  maxMembers: number;
  /** At most this many messages per member per `rateWindow` ms; more are refused. Default 20 per 10 s. */
  rateLimit: number;
  rateWindow: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = { maxNameLength: 32, maxTextLength: 2000, maxMembers: 200, rateLimit: 20, rateWindow: 10_000 };

interface Member {
  name: string;
  /** Send times inside the current rate window. */
  recent: number[];
}

type Incoming = { type: 'join'; name: string } | { type: 'say'; text: string };

export class ChatRoom {
  private readonly limits: ChatLimits;
  /** Members by connection; connections that have not joined are not in here. */
  private readonly members = new Map<Session, Member>();

  constructor(limits: Partial<ChatLimits> = {}) {
    this.limits = { ...DEFAULT_CHAT_LIMITS, ...limits };
  }

  /** The names of the current members, in joining order. */
  get names(): string[] {
    return [...this.members.values()].map((m) => m.name);
  }

  /** Takes a new connection: it may join, talk, and leaves when it closes. */
  accept(session: Session): void {
    session.on('message', (data, isBinary) => {
      // RFC 6455 §7.4.1: 1003 is for a kind of data the endpoint cannot accept.
      if (isBinary) return session.close(CloseCode.UnsupportedData, 'this chat speaks JSON text');
      const request = parseRequest(String(data));
      if (typeof request === 'string') return this.refuse(session, request);
      if (request.type === 'join') this.join(session, request.name);
      else this.say(session, request.text);
    });
    session.on('close', () => this.leave(session));
  }

  private join(session: Session, rawName: string): void {
    if (this.members.has(session)) return this.refuse(session, 'you have already joined');
    const name = rawName.trim();
    const length = [...name].length;
    if (length === 0 || length > this.limits.maxNameLength) return this.refuse(session, `a name has 1 to ${this.limits.maxNameLength} characters`);
    if (/[\p{C}]/u.test(name)) return this.refuse(session, 'a name may not contain control or invisible formatting characters');
    if (this.names.some((n) => n.toLowerCase() === name.toLowerCase())) return this.refuse(session, `the name ${name} is taken`);
    if (this.members.size >= this.limits.maxMembers) return this.refuse(session, 'the room is full');
    this.members.set(session, { name, recent: [] });
    const members = this.names;
    this.sendTo(session, { type: 'welcome', name, members });
    this.broadcast({ type: 'joined', name, members }, session);
  }

  private say(session: Session, text: string): void {
    const member = this.members.get(session);
    if (!member) return this.refuse(session, 'join first');
    if (text.trim() === '') return this.refuse(session, 'an empty message');
    if ([...text].length > this.limits.maxTextLength) return this.refuse(session, `a message has at most ${this.limits.maxTextLength} characters`);
    if (/[\p{Cc}]/u.test(text.replace(/[\n\t]/g, ''))) return this.refuse(session, 'a message may not contain control characters');
    const now = Date.now();
    member.recent = member.recent.filter((t) => now - t < this.limits.rateWindow);
    if (member.recent.length >= this.limits.rateLimit) return this.refuse(session, 'slow down: too many messages');
    member.recent.push(now);
    this.broadcast({ type: 'message', from: member.name, text, time: now });
  }

  private leave(session: Session): void {
    const member = this.members.get(session);
    if (!member) return;
    this.members.delete(session);
    this.broadcast({ type: 'left', name: member.name, members: this.names });
  }

  private refuse(session: Session, message: string): void {
    this.sendTo(session, { type: 'error', message });
  }

  /** To every member (except `except`). One serialization, sent to each. */
  private broadcast(event: object, except?: Session): void {
    const text = JSON.stringify(event);
    for (const session of this.members.keys()) if (session !== except) this.sendTo(session, text);
  }

  private sendTo(session: Session, event: object | string): void {
    // A member whose connection is closing gets nothing more (RFC 6455 §5.5.1: no data after a close frame).
    // A member that stops reading is dropped by the session's maxBufferedAmount, never buffered without bound.
    if (session.readyState === 1) session.send(typeof event === 'string' ? event : JSON.stringify(event));
  }
}

/** Checks a client's request; returns it, or why it is refused. */
function parseRequest(text: string): Incoming | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'a request is a JSON object';
  }
  if (typeof value !== 'object' || value === null) return 'a request is a JSON object';
  const request = value as Record<string, unknown>;
  if (request.type === 'join' && typeof request.name === 'string') return { type: 'join', name: request.name };
  if (request.type === 'say' && typeof request.text === 'string') return { type: 'say', text: request.text };
  return 'unknown request: expected {"type":"join","name":…} or {"type":"say","text":…}';
}
