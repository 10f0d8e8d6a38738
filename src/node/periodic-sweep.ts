// One timer for many connections: RFC 6455 §5.5.2 keepalive pings and the idle timeout of every
// session of one endpoint (session-timers.ts), and RFC 7692 §7.2.1's quiet compressors of one
// codec (quiet-compressors.ts), are each checked by one periodic sweep instead of one Node timer
// per connection. Idle connections are counted in the thousands: a timer each costs a Timeout
// object and its bookkeeping per connection and a callback per connection per period, where one
// sweep costs a set entry and a loop.

/**
 * Visits every member once per `period` milliseconds, with one unref'd interval that runs only
 * while there are members (it never keeps the process alive). A member added between two runs is
 * first visited at the next run, so a member's checks are at most one `period` late.
 */
export class PeriodicSweep<Member> {
  private readonly members = new Set<Member>();
  private timer: ReturnType<typeof setInterval> | undefined;

  /** `visit(member, now)` is called for each member at every run; `now` is `Date.now()` at the run's start. */
  constructor(
    readonly period: number,
    private readonly visit: (member: Member, now: number) => void,
  ) {}

  /** Visits `member` from the next run on (adding it again changes nothing). */
  add(member: Member): void {
    this.members.add(member);
    this.timer ??= setInterval(PeriodicSweep.run, this.period, this).unref();
  }

  /** Stops visiting `member`; the timer stops with the last one. Safe to call from `visit`, for any member. */
  delete(member: Member): void {
    if (!this.members.delete(member) || this.members.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A static function with the sweep as argument: no closure per sweep. A Set may lose entries while it is iterated. */
  private static run<Member>(sweep: PeriodicSweep<Member>): void {
    const now = Date.now();
    for (const member of sweep.members) sweep.visit(member, now);
  }
}
