// Kernel versus model. The executor reads the host clocks just before and just after every step (its
// bracket); the real step happened somewhere in between. The judge has no tolerance of its own: every
// allowed value comes from running the model at the ends of the brackets.
//
// Corners. Two models run through the program in lock-step: the early chain at every step's `before`
// clocks, the late chain at every step's `after` clocks (the earliest and the latest execution). Where a
// step's outcome can depend on when earlier steps happened (timers, timerfds, blocking calls), each
// chain is also probed: a fresh model replays the chain's history and then makes the step at the other
// end of its bracket. The four corners of a step are
//   eb  early history, step at `before`      la  late history, step at `after`
//   ea  early history, step at `after`       lb  late history, step at `before`
// A relative arming fixes an expiry somewhere in the arming step's bracket and a reading happens somewhere
// in its own, so a remaining time lies between ea (armed first, read last: least left) and lb (armed
// last, read first: most left); counts of periods between lb and ea. Judging a step:
//   - what does not depend on time (errno, handles, labels, intervals) must equal some corner's, after
//     namespace inode numbers are replaced by first-appearance labels on each side;
//   - time values (clock readings, uptime, btime, remaining times, overruns, timerfd ticks) must lie in the
//     range the corners of that same outcome span. A periodic remaining time wraps at its interval: the
//     range runs up from ea's value to lb's, through the interval if ea's is the larger; when the two
//     brackets together are at least an interval wide, any value in (0, interval] is allowed. Where the
//     corners straddle an outcome boundary (a timer fired in one corner only), a count may go down to its
//     value at the boundary (0 overruns, 1 tick);
//   - CPU-time clocks have no model value: a reading must be >= 0, not below the previous reading of the
//     same clock, and not more above it than the monotonic time from the previous bracket's `before` to
//     this one's `after`, times the most threads the process had meanwhile (1 for a thread clock);
//     times()'s struct tms likewise (CpuClocks.judgeTimes), its return value as a time value;
//   - a task's start time was taken somewhere in the bracket of the step that made it: the early chain
//     makes every task at `before`, the late one at `after`; t0 was made in a bracket of its own, read by
//     the executor around its fork (KernelRun.born).
// Steps the executor refused never ran on the kernel; neither model makes them either. Where the kernel
// showed an outcome a chain did not (an expiry fell inside the bracket), that chain goes on from the
// nearest corner the kernel did show (Chain.redo), so both stay executions consistent with the kernel.
// Where a chain would have to take the other chain's history (a sleep armed early in a wide bracket
// ended in the early chain, while the kernel still showed it asleep), it goes on instead from its own
// history with one earlier step moved within its bracket, only as far as the kernel's task states
// require (Chain.shift), so that the other calls keep their earliest (latest) course. A step the executor refused never ran; time went by
// while it was taken and other tasks' calls may have ended then, so for the chains it is a zero advance.
// Known limit: a count that depends on three steps' times (ticks read from a periodic timerfd after an
// earlier read; timer_getoverrun reporting an earlier sigwait's overrun) is judged at the corners of the
// arming-and-reading histories only; a period boundary falling inside the middle step's bracket can make
// a count Linux may give look out of range.
//
// Blocking calls are judged as a whole (CallRecord). The executor reports a call's end in step k when
// the task's reply came before k's `after` reading and after it last saw the task asleep, which was no
// earlier than k-1's `before` reading: so the end instant E lies in (before[k-1], after[k]]. The early
// chain ends the call at step mE (the earliest E is in (before[mE-1], before[mE]]), the late chain at mL
// (the latest E is in (after[mL-1], after[mL]]); so the kernel may end it from mE-1 (if the ea probe at
// mE-1 ended it) or mE, to mL (if the lb probe at mL ended it) or mL+1. Its outcome must be one the
// chains or probes give for the call, times within theirs. A call the kernel has not ended when that
// window closes, or ended although the early chain cannot have, is a disagreement, also at program end;
// unless the early chain's task was killed in the call first (its call vanished): then the kernel's kill
// may have come first too, and the call may never end. Linux wakes a sleeper no earlier than its expiry
// but promises no bound on how much later; the judge lets a wake-up come as late as the longest any step
// of the same run took beyond what it asked to wait (the load that run saw, measured, not assumed).
//
// Linux leaves one observable choice to chance (docs/conventions.md): which of several readers blocked
// on a timerfd takes its expirations. Every model here is given the kernel's choice (Choices.timerfdReader
// picks the reader the kernel gave them to); the set allowed is any one of the readers blocked at the
// time, so two readers both getting the same expirations, or none, still disagree.
import { canonicalJson } from '../harness/canonical.ts';
import { CLOCKS, CPUCLOCK, NOT_MADE, PROC_TIME_INIT_INO, PROC_USER_INIT_INO, isHostEvent, resolveStep, stepLabels, unresolvedObservation } from '../vocab/index.ts';
import type {
  AbstractState, Backend, BackendFactory, Completion, Environment, HostClocks, HostEvent, Observation, Program, ProgramStep, Step, TaskCall,
  TaskHandle,
} from '../vocab/index.ts';
import { ADVANCE_CAP_NS, isOdd, isRefused, runOnKernel } from './driver.ts';
import { runProgram } from '../harness/run.ts';
import type { KernelRun, KernelStep, Odd, Refused, RunOptions } from './driver.ts';

/** One step as the model shows it at each corner; `ea` and `lb` only where a step was probed. */
export interface Corners {
  eb: Observation;
  la: Observation;
  ea?: Observation;
  lb?: Observation;
}

export interface Disagreement {
  index: number;
  /** The step as the program has it. */
  step: ProgramStep;
  kernel: Observation;
  /** The early chain (`before` clocks) and the late chain (`after` clocks), inode labels applied. */
  modelBefore: Observation;
  modelAfter: Observation;
  /** The probes, where the step was probed: early history at `after`, late history at `before`. */
  probes?: { earlyAfter?: Observation; lateBefore?: Observation };
  reason: string;
  /** Linux did something no model answer can be (hung, killed, an unnamed errno): a Linux-side departure. */
  linuxSide?: true;
}

export interface Comparison {
  /** Steps compared (refused steps excluded). */
  compared: number;
  /** Indices of steps the executor refused to run. */
  refused: number[];
  /** Every step compared, up to and including a disagreement: what the kernel and the corners showed. */
  trace: { index: number; step: ProgramStep; kernel: Observation; modelBefore: Observation; modelAfter: Observation; probes?: Disagreement['probes'] }[];
  disagreement?: Disagreement;
}

// ---- Inode labels ------------------------------------------------------------------------------------

/**
 * Maps namespace inode numbers to labels by first appearance; the initial namespaces are fixed. A number
 * whose namespace is gone is forgotten, so that a later namespace given the same number gets a label of
 * its own: which number a new namespace gets depends on every namespace on the machine (proc_alloc_inum
 * takes the lowest free number of one machine-wide IDA, and programs run side by side free and take
 * numbers too), so only a namespace's identity is judged, not whether its number was reused.
 */
class InodeLabels {
  private readonly labels = new Map<string, string>();
  private next = 1;
  constructor(initialTime: number, initialUser: number) {
    this.labels.set(String(initialTime), 'init');
    this.labels.set(String(initialUser), 'init-user');
  }
  label(ino: string): string {
    if (!this.labels.has(ino)) this.labels.set(ino, `#${this.next++}`);
    return this.labels.get(ino)!;
  }
  apply(obs: Observation): Observation {
    if (obs.link === undefined) return obs;
    return { ...obs, link: obs.link.replace(/\[(\d+)\]/, (_, n: string) => `[${this.label(n)}]`) };
  }
  /** Forgets the numbers of labelled time namespaces that are no longer live; returns their labels. */
  forgetGone(live: Record<string, unknown>): string[] {
    const gone: string[] = [];
    for (const [ino, label] of this.labels) {
      if (label.startsWith('#') && !(ino in live)) {
        this.labels.delete(ino);
        gone.push(label);
      }
    }
    return gone;
  }
  /** Forgets whichever number carries `label`. */
  forgetLabel(label: string): void {
    for (const [ino, l] of this.labels) if (l === label) this.labels.delete(ino);
  }
  /** The labels so far, for a probe: what it shows must not renumber the chain's. */
  copy(): InodeLabels {
    const c = new InodeLabels(0, 0);
    c.labels.clear();
    for (const [k, v] of this.labels) c.labels.set(k, v);
    c.next = this.next;
    return c;
  }
}

// ---- Which fields are time ------------------------------------------------------------------------------

/** A CPU-time clock: the two named ones, or a negative id that is no clock fd (a CPU clock of a pid). */
const isCpuClock = (id: number): boolean =>
  id === CLOCKS.CLOCK_PROCESS_CPUTIME_ID || id === CLOCKS.CLOCK_THREAD_CPUTIME_ID || (id < 0 && (id & CPUCLOCK.CLOCKFD_MASK) !== CPUCLOCK.CLOCKFD);

type TimeKind = 'none' | 'time' | 'cputime' | 'value' | 'uptime' | 'itimer' | 'overrun' | 'count-ret' | 'ticks' | 'times';

function clockOf(step: ProgramStep): number | undefined {
  if (isHostEvent(step) || step.call !== 'clock_gettime') return undefined;
  return typeof step.clock === 'number' ? step.clock : CLOCKS[step.clock];
}

function timeKind(step: ProgramStep): TimeKind {
  if (isHostEvent(step)) return 'none';
  switch (step.call) {
    case 'timer_settime': case 'timer_gettime': case 'timerfd_settime': case 'timerfd_gettime': return 'itimer';
    case 'sigwait': return 'overrun';
    case 'timer_getoverrun': return 'count-ret';
    case 'read': return 'ticks';
    case 'clock_gettime': return isCpuClock(clockOf(step)!) ? 'cputime' : 'time';
    case 'gettimeofday': case 'time': return 'time';
    case 'sysinfo': case 'read_btime': case 'read_starttime': return 'value';
    case 'times': return 'times';
    case 'read_uptime': return 'uptime';
    default: return 'none';
  }
}

/** Steps whose outcome may depend on when earlier steps happened: they are probed. */
function historyMatters(step: Step): boolean {
  const kind = timeKind(step);
  return kind === 'itimer' || kind === 'overrun' || kind === 'count-ret' || kind === 'ticks' || mayBlock(step);
}

/** The observation with its time-valued fields blanked: what must match exactly (at every depth: an
 *  itimer's interval too). */
function shape(obs: Observation, kind: TimeKind): string {
  const o: Record<string, unknown> = { ...obs };
  delete o.completions; // judged per call (CallRecord), not per step
  if (obs.ret === undefined || obs.err !== undefined || obs.blocked) return canonicalJson(o);
  if (kind === 'itimer' && obs.itimer) o.itimer = { value: '*', interval: obs.itimer.interval };
  if (kind === 'overrun') o.overrun = '*';
  if (kind === 'count-ret') o.ret = '*';
  if (kind === 'ticks' && obs.ret === 8 && obs.value !== undefined) o.value = '*'; // a timerfd read, not 8 bytes of text
  if (kind === 'time' || kind === 'cputime') o.time = '*';
  if (kind === 'value') o.value = '*';
  if (kind === 'times') {
    o.ret = '*';
    o.tms = '*';
  }
  if (kind === 'uptime') {
    o.text = '*';
    o.ret = '*';
  }
  return canonicalJson(o);
}

/** "12.34 56.78\n" as two centisecond counts, or null when it is not /proc/uptime's format. */
function uptimeFields(text: string | undefined): [bigint, bigint] | null {
  const m = /^(\d+)\.(\d\d) (\d+)\.(\d\d)\n$/.exec(text ?? '');
  return m ? [BigInt(m[1] + m[2]), BigInt(m[3] + m[4])] : null;
}

function inRange(v: bigint, values: bigint[], floor?: bigint, above = 0n): boolean {
  const lo = floor ?? values.reduce((a, b) => (a < b ? a : b));
  const hi = values.reduce((a, b) => (a > b ? a : b)) + above;
  return lo <= v && v <= hi;
}

/** What a judgement needs besides the observations. */
export interface StepContext {
  /** An upper bound, in ns, on the arming step's and this step's brackets together (periodic wrap). */
  spread: bigint;
  /** This step's own bracket, in ns. */
  width?: bigint;
  /** The most any host clock moved within this step's bracket, in ns. */
  reach?: bigint;
  /** Set by judgeStep for a timerfd's gettime or settime: Linux forwards an expired periodic timerfd
   *  at one reading of its clock and takes the time left at a later one, never below 0. */
  rereads?: boolean;
}

/** A periodic remaining time: from `least` up to `most`, wrapping at the interval when `least` is the
 *  larger (an expiry fell between the corners; before its first expiry a timer may have more left). */
function periodicWithin(v: bigint, least: bigint, most: bigint, interval: bigint, spread: bigint): boolean {
  if (least <= most && least <= v && v <= most) return true;
  if (v <= 0n || v > interval) return false;
  if (spread >= interval) return true;
  return least > most && (v >= least || v <= most);
}

/** Null when the kernel's time values lie in the range the corners of its outcome span; else why not. */
function valuesWithin(kind: TimeKind, k: Observation, same: Observation[], c: Corners, straddle: boolean, ctx: StepContext): string | null {
  if (k.ret === undefined || k.err !== undefined || k.blocked) return null;
  const big = (f: (o: Observation) => string | number) => same.map((o) => BigInt(f(o)));
  switch (kind) {
    case 'none': return null;
    case 'cputime': return BigInt(k.time!) >= 0n ? null : 'a CPU clock read negative';
    case 'itimer': {
      const v = BigInt(k.itimer!.value);
      const interval = BigInt(k.itimer!.interval);
      const least = c.ea ?? c.eb;
      const most = c.lb ?? c.la;
      if (interval !== 0n && same.includes(least) && same.includes(most)) {
        const [lo, hi] = [BigInt(least.itimer!.value), BigInt(most.itimer!.value)];
        // Forwarded at t1, read at t2 within this step: 0 once t2 - t1 reaches the time left at t1
        // (at least the least corner's, or anything above 0 where the range wraps).
        const width = ctx.width ?? 0n;
        if (v === 0n && ctx.rereads && width > 0n && (lo > hi || width >= lo)) return null;
        return periodicWithin(v, lo, hi, interval, ctx.spread) ? null : 'remaining time outside the corners';
      }
      return inRange(v, big((o) => o.itimer!.value)) ? null : 'remaining time outside the corners';
    }
    case 'overrun':
      return inRange(BigInt(k.overrun!), big((o) => o.overrun!), straddle ? 0n : undefined) ? null : 'overrun outside the corners';
    case 'count-ret':
      return inRange(BigInt(k.ret), big((o) => o.ret!), straddle ? 0n : undefined) ? null : 'overrun outside the corners';
    case 'ticks':
      if (k.ret !== 8 || k.value === undefined) return null;
      return inRange(BigInt(k.value!), big((o) => o.value!), straddle ? 1n : undefined) ? null : 'expirations outside the corners';
    case 'time': {
      // Where the corners straddle an outcome boundary (the task woke inside the bracket: blocked at
      // one end, reading the clock at the other), the read may come anywhere after the wake-up: down
      // to what the clock read at the bracket's start.
      const values = big((o) => o.time!);
      const floor = straddle ? values.reduce((a, b) => (a < b ? a : b)) - (ctx.reach ?? 0n) : undefined;
      return inRange(BigInt(k.time!), values, floor) ? null : 'clock value outside the bracket';
    }
    case 'value': return inRange(BigInt(k.value!), big((o) => o.value!)) ? null : 'value outside the bracket';
    // The return value only: struct tms is judged against earlier readings (CpuClocks.judgeTimes).
    case 'times': return inRange(BigInt(k.ret), big((o) => o.ret!)) ? null : 'clock ticks outside the bracket';
    case 'uptime': {
      const kf = uptimeFields(k.text);
      const fields = same.map((o) => uptimeFields(o.text));
      if (!kf) return 'kernel /proc/uptime text is malformed';
      if (fields.some((f) => !f)) return 'model /proc/uptime text is malformed';
      if (k.ret !== k.text!.length) return 'kernel read length differs from its text';
      if (!inRange(kf[0], fields.map((f) => f![0]))) return 'uptime outside the bracket';
      if (!inRange(kf[1], fields.map((f) => f![1]))) return 'idle time outside the bracket';
      return null;
    }
  }
}

function cornerList(c: Corners): Observation[] {
  return [c.eb, c.la, ...(c.ea ? [c.ea] : []), ...(c.lb ? [c.lb] : [])];
}

/** Null when the kernel's observation is one the corners allow; else the reason. Completions are not
 *  judged here (CallRecord), nor CPU clocks against earlier readings (CpuClocks). */
export function judgeStep(step: Step, k: Observation, c: Corners, ctx: StepContext = { spread: 0n }): string | null {
  const kind = timeKind(step);
  const all = cornerList(c);
  // The call blocked in some corner: its end, whenever the kernel reports it, is judged as a whole.
  if (mayBlock(step) && all.some((o) => o.pending)) return null;
  if (mayBlock(step) && k.pending) return 'the kernel blocked in a call that returns at once in every corner';
  const ks = shape(k, kind);
  const shapes = all.map((o) => shape(o, kind));
  const same = all.filter((_, i) => shapes[i] === ks);
  if (same.length === 0) return new Set(shapes).size === 1 ? 'outcome differs' : 'outcome matches no corner';
  const rereads = !isHostEvent(step) && (step.call === 'timerfd_gettime' || step.call === 'timerfd_settime');
  return valuesWithin(kind, k, same, c, same.length < all.length, { ...ctx, rereads });
}

// ---- CPU-time clocks -----------------------------------------------------------------------------------

/**
 * Readings of CPU-time clocks so far: each must be >= 0, and between two readings of one clock it may
 * grow by at most the wall time between them times the threads that could run meanwhile. A clock is a
 * thread's or a process's, SCHED (sum_exec_runtime: CLOCK_THREAD_CPUTIME_ID and CLOCK_PROCESS_CPUTIME_ID
 * are the SCHED clocks of pid 0), PROF (utime + stime) or VIRT (utime). PROF and VIRT grow by whole ticks
 * (tick accounting charges TICK_NSEC to the task a tick finds running), so a thread may gain up to a tick
 * at each end of the stretch besides: 2 ticks per thread more (docs/conventions.md, "Host time"). A CPU
 * clock of a pid other than 0 names a task the program cannot name portably: only >= 0 is judged.
 */
export class CpuClocks {
  /** `tick`: TICK_NSEC, the machine's jiffy. */
  constructor(private readonly tick = 0n) {}

  private readonly last = new Map<string, { value: bigint; before: bigint }>();
  /** The most threads each process had since its clock was last read, and how many it has now. */
  private readonly threads = new Map<TaskHandle, number>();
  private current = new Map<TaskHandle, number>();

  /** After every step: how many threads each process has now (by leader). */
  seen(counts: Map<TaskHandle, number>): void {
    this.current = counts;
    for (const [leader, n] of counts) this.threads.set(leader, Math.max(this.threads.get(leader) ?? 0, n));
  }

  /** A reading of `clock` by `task` (of the process led by `leader`) in a step bracketed by [before, after]. */
  judge(clock: number, task: TaskHandle, leader: TaskHandle, value: bigint, before: bigint, after: bigint, slack = 0n): string | null {
    if (value < 0n) return 'a CPU clock read negative';
    if (clock < 0 && ~(clock >> 3) !== 0) return null;
    const thread = clock === CLOCKS.CLOCK_THREAD_CPUTIME_ID || (clock < 0 && (clock & CPUCLOCK.PERTHREAD_MASK) !== 0);
    const which = clock < 0 ? clock & CPUCLOCK.CLOCK_MASK : CPUCLOCK.SCHED;
    const key = `${thread ? `thread ${task}` : `process ${leader}`}${which === CPUCLOCK.PROF ? ' PROF' : which === CPUCLOCK.VIRT ? ' VIRT' : ''}`;
    const prev = this.last.get(key);
    const n = BigInt(thread ? 1 : Math.max(1, this.threads.get(leader) ?? 1));
    if (!thread) this.threads.set(leader, this.current.get(leader) ?? 1);
    this.last.set(key, { value, before });
    if (!prev) return null;
    if (value < prev.value) return `the ${key} CPU clock went back by ${prev.value - value} ns`;
    const ticks = which === CPUCLOCK.SCHED ? 0n : 2n * this.tick;
    const most = (after - prev.before + ticks) * n + slack;
    if (value - prev.value > most) return `the ${key} CPU clock grew by ${value - prev.value} ns, more than ${most} ns`;
    return null;
  }

  private readonly children = new Map<TaskHandle, { cutime: number; cstime: number }>();

  /**
   * times()'s struct tms of the process led by `leader`: each field >= 0. utime + stime is the process's
   * CPU time (cputime_adjust splits sum_exec_runtime, each part never going back), judged like the
   * process CPU clock; flooring each part to clock ticks loses up to 2 ticks of it. cutime and cstime
   * (the reaped children's) never go back; how much they grow is not followed.
   */
  judgeTimes(task: TaskHandle, leader: TaskHandle, tms: NonNullable<Observation['tms']>, before: bigint, after: bigint): string | null {
    const { utime, stime, cutime, cstime } = tms;
    if ([utime, stime, cutime, cstime].some((v) => v < 0)) return 'a struct tms field is negative';
    const prev = this.children.get(leader);
    this.children.set(leader, { cutime, cstime });
    if (prev && (cutime < prev.cutime || cstime < prev.cstime)) return `the children's CPU times of ${leader} went back`;
    const tick = 10_000_000n;
    return this.judge(CLOCKS.CLOCK_PROCESS_CPUTIME_ID, task, leader, BigInt(utime + stime) * tick, before, after, 2n * tick);
  }
}

function threadCounts(a: AbstractState): Map<TaskHandle, number> {
  const counts = new Map<TaskHandle, number>();
  for (const t of Object.values(a.tasks)) if (t.state !== 'exited') counts.set(t.leader, (counts.get(t.leader) ?? 0) + 1);
  return counts;
}

// ---- Blocking calls, judged as a whole --------------------------------------------------------------

const BLOCKING_CALLS = new Set<TaskCall>(['clock_nanosleep', 'nanosleep', 'futex_wait', 'read']);

function mayBlock<S extends ProgramStep>(step: S): step is Exclude<S, HostEvent> {
  return !('host' in step) && BLOCKING_CALLS.has((step as Exclude<ProgramStep, HostEvent>).call);
}

/** What a call returned, without whose it was. */
type CallOutcome = Omit<Completion, 'task' | 'call'>;

function outcomeOf(o: Observation | Completion): CallOutcome {
  const out: CallOutcome = {};
  if (o.ret !== undefined) out.ret = o.ret;
  if (o.err !== undefined) out.err = o.err;
  if (o.time !== undefined) out.time = o.time;
  if (o.value !== undefined) out.value = o.value;
  return out;
}

type Side = 'kernel' | 'early' | 'late';

/** One blocking call, from the step that made it to the step each side ends it in. Steps are program
 *  indices. */
export interface CallRecord {
  task: TaskHandle;
  call: TaskCall;
  start: number;
  /** Where the kernel and each chain ended it, and how. */
  ends: Partial<Record<Side, { step: number; out: CallOutcome }>>;
  /** Where a chain's call vanished without an end (its task was killed). */
  vanished: Partial<Record<'early' | 'late', number>>;
  /** The ends the probes showed, by step: early history at `after` (ea), late history at `before` (lb). */
  probed: { ea: Map<number, CallOutcome>; lb: Map<number, CallOutcome> };
  /** The steps compared since the start (refused ones are skipped); absent: every step. */
  seen?: number[];
  /** The early chain went on from the late chain's history: the earliest end it showed is lost, and the
   *  kernel may end the call in any step (its own reports say when it was last seen asleep). */
  earlyLost?: boolean;
  /** Likewise the late chain went on from a history with a step moved earlier: no deadline is known. */
  lateLost?: boolean;
  /** A read's fd, and the interval of the timerfd it read as the late chain ended it (0: one-shot). */
  fd?: string;
  period?: bigint;
}

/** The steps in which the kernel may end the call, as far as the chains have gone (up to step `now`). */
function window(r: CallRecord, now: number): { lo: number; hi: number } {
  const { early, late } = r.ends;
  const at = (k: number, d: number) => (r.seen ? r.seen[r.seen.indexOf(k) + d] ?? (d > 0 ? Infinity : -Infinity) : k + d);
  let lo: number;
  if (r.earlyLost) lo = r.start;
  else if (early) lo = r.probed.ea.has(at(early.step, -1)) ? at(early.step, -1) : early.step;
  else if (r.vanished.early !== undefined) lo = r.start;
  else lo = r.probed.ea.has(now) ? now : now + 1; // not before the early chain can end it
  let hi: number;
  if (r.lateLost) hi = Infinity;
  else if (late) hi = r.probed.lb.has(late.step) ? late.step : at(late.step, 1);
  else hi = Infinity; // the late chain has not ended it (or its task was killed): no deadline yet
  return { lo: Math.max(lo, r.start), hi };
}

/** Monotonic bracket ends of the run's steps, and the longest any step so far took beyond the wait it
 *  asked for (an `advance`), in ns. */
export interface Timing {
  before: bigint[];
  after: bigint[];
  widest: bigint;
}

/** Null when the kernel's end of the call is one the models allow, as far as the run has gone (up to
 *  step `now`); else the reason. The same judgement holds at program end: a call the kernel never ended
 *  fails once its window has closed, one the kernel ended fails if the early chain could not have. */
export function judgeCall(r: CallRecord, now: number, timing?: Timing): string | null {
  const { kernel, early, late } = r.ends;
  let { lo, hi } = window(r, now);
  const name = `the ${r.call} of ${r.task} (step ${r.start})`;
  // Linux wakes a sleeper no earlier than its expiry, but promises nothing about how much later; a
  // wake-up as late as the slowest step of the same run took is load, not a disagreement. The kernel
  // saw the task still asleep no earlier than the `before` of the step before the one it reports the
  // end in; the latest expiry the models allow is no later than the late chain's end step's `after`.
  // A periodic timerfd read that woke that late has taken the expirations that came meanwhile too: as
  // many as periods fit between the latest end the models allow and the kernel's reply.
  let moreTicks = 0n;
  if (timing && late && hi !== Infinity) {
    const deadline = r.probed.lb.has(late.step) ? timing.before[late.step] : timing.after[late.step];
    if (kernel && kernel.step > hi && r.period) moreTicks = (timing.after[kernel.step] - deadline) / r.period + 1n;
    let k = hi + 1;
    while (k <= timing.before.length && timing.before[k - 1] - deadline <= timing.widest) k++;
    hi = k > timing.before.length ? Infinity : k - 1;
  }
  if (!kernel) {
    // The early chain's task was killed in the call (a sibling's exec, exit_group): the kill may come
    // before the end on the kernel too, and then the call never ends.
    if (r.vanished.early !== undefined && r.vanished.early <= now) return null;
    return hi <= now ? `the models ended ${name} by step ${hi}, the kernel not by step ${now}` : null;
  }
  if (kernel.step < lo) return `the kernel ended ${name} in step ${kernel.step}, the models not before step ${lo}`;
  if (kernel.step > hi) return `the kernel ended ${name} in step ${kernel.step}, the models by step ${hi}`;
  const done = (s: 'early' | 'late') => r.ends[s] !== undefined || r.vanished[s] !== undefined;
  if (!done('early') || !done('late')) return null;
  return outcomeAllowed(r, kernel.out, moreTicks) ? null : `${name} ended differently on the kernel: ${JSON.stringify(kernel.out)}`;
}

/** Whether the kernel's outcome is one a chain or probe gives for the call, with its time and value
 *  within theirs (the value up to `moreTicks` above: expirations a late wake-up took). */
function outcomeAllowed(r: CallRecord, k: CallOutcome, moreTicks = 0n): boolean {
  const outs = [r.ends.early?.out, r.ends.late?.out, ...r.probed.ea.values(), ...r.probed.lb.values()]
    .filter((o): o is CallOutcome => o !== undefined);
  if (outs.length === 0) return true; // every chain's call vanished
  const strip = (o: CallOutcome) => JSON.stringify({ ...o, time: o.time === undefined ? undefined : '*', value: o.value === undefined ? undefined : '*' });
  const same = outs.filter((o) => strip(o) === strip(k));
  if (same.length === 0) return false;
  // Where the chains and probes straddle an outcome boundary (a signal came before the expiry in some,
  // after it in others), the kernel's signal may have come just before the expiry: the time left goes
  // down to 1 ns (an interrupted sleep with nothing left returns 0 instead), the ticks to 1.
  const straddle = same.length < outs.length;
  if (k.time !== undefined && !inRange(BigInt(k.time), same.map((o) => BigInt(o.time!)), straddle ? 1n : undefined)) return false;
  if (k.value !== undefined && !inRange(BigInt(k.value), same.map((o) => BigInt(o.value!)), straddle ? 1n : undefined, moreTicks)) return false;
  return true;
}

/** Follows every blocking call through the run: where each side and probe ends it. */
class CallTracker {
  /** Calls some side has not ended yet, oldest first (a task may start a new call on one side before
   *  another side has ended its previous one). */
  private open: CallRecord[] = [];

  get busy(): boolean {
    return this.open.length > 0;
  }

  /** A step that may block: opens a record when some side or corner blocked in it, and returns it. */
  started(index: number, step: Exclude<Step, HostEvent>, k: Observation, c: Corners): CallRecord | undefined {
    const all = cornerList(c);
    if (!mayBlock(step) || !(k.pending || all.some((o) => o.pending))) return undefined;
    // A blocked task starts nothing. The chains go on consistent with the kernel's task state; a probe
    // may show another (a late-history probe, where the late chain went on from the early one).
    if (k.blocked || c.eb.blocked || c.la.blocked) return undefined;
    const r: CallRecord = { task: step.task, call: step.call, start: index, ends: {}, vanished: {}, probed: { ea: new Map(), lb: new Map() }, seen: [] };
    if (step.call === 'read') r.fd = step.fd;
    if (!k.pending) r.ends.kernel = { step: index, out: outcomeOf(k) };
    if (!c.eb.pending) r.ends.early = { step: index, out: outcomeOf(c.eb) };
    if (!c.la.pending) r.ends.late = { step: index, out: outcomeOf(c.la) };
    if (c.ea && !c.ea.pending) r.probed.ea.set(index, outcomeOf(c.ea));
    if (c.lb && !c.lb.pending) r.probed.lb.set(index, outcomeOf(c.lb));
    this.open.push(r);
    return r;
  }

  private openOf(task: TaskHandle, side: Side): CallRecord | undefined {
    return this.open.find((x) => x.task === task && !x.ends[side] && (side === 'kernel' || x.vanished[side] === undefined));
  }

  /** The completions a side reports in step `index`; a reason when one names no open call. */
  ended(index: number, side: Side, completions: Completion[] | undefined): string | null {
    for (const c of completions ?? []) {
      const r = this.openOf(c.task, side);
      if (!r || r.call !== c.call) return `${side === 'kernel' ? 'the kernel' : `the ${side} model`} ended a ${c.call} of ${c.task} that no side started`;
      r.ends[side] = { step: index, out: outcomeOf(c) };
    }
    return null;
  }

  /** Whether some call is open that the chain has neither ended nor lost. */
  awaiting(side: 'early' | 'late'): boolean {
    return this.open.some((x) => !x.ends[side] && x.vanished[side] === undefined);
  }

  /** The completions a probe shows in step `index` (of calls its chain has not ended). */
  probed(index: number, probe: 'ea' | 'lb', obs: Observation | undefined): void {
    const side = probe === 'ea' ? 'early' : 'late';
    for (const c of obs?.completions ?? []) {
      const r = this.openOf(c.task, side);
      if (r && r.call === c.call && !r.probed[probe].has(index)) r.probed[probe].set(index, outcomeOf(c));
    }
  }

  /** A chain went on from the other chain's history (Chain.redo): where that history ended or lost
   *  each open call is now where this chain did. An end this chain showed earlier is undone: the kernel
   *  showed that the call had not ended then. The late history ends calls later than the earliest
   *  execution consistent with the kernel may, so an early chain that adopts it bounds nothing below. */
  adopt(side: 'early' | 'late', from: 'early' | 'late'): void {
    for (const r of this.open) {
      if (side === 'early') r.earlyLost = true;
      const end = r.ends[from];
      if (end) r.ends[side] = end;
      else delete r.ends[side];
      const gone = r.vanished[from];
      if (gone !== undefined) r.vanished[side] = gone;
      else delete r.vanished[side];
    }
  }

  /** A chain went on with one earlier step moved (Chain.shift), a history that ended calls where `ends`
   *  says (completions of this step excluded: they are taken as usual). Where it ended or lost each open
   *  call is where that history did; the earliest (latest) end is no longer known (earlyLost, lateLost). */
  rebase(side: 'early' | 'late', now: number, ends: { index: number; c: Completion }[], state: AbstractState): void {
    const used = new Set<number>();
    for (const r of this.open) {
      if (side === 'early') r.earlyLost = true;
      else r.lateLost = true;
      delete r.ends[side];
      delete r.vanished[side];
      // A completion in the step that made the call is an earlier call's: a call that ends at once returns.
      const i = ends.findIndex((x, j) => !used.has(j) && x.index > r.start && x.c.task === r.task && x.c.call === r.call);
      if (i >= 0) used.add(i);
      const e = i >= 0 ? ends[i] : undefined;
      if (e && e.index < now) r.ends[side] = { step: e.index, out: outcomeOf(e.c) };
      else if (!e && !state.tasks[r.task]?.waiting) r.vanished[side] = r.start;
    }
  }

  /** After the late chain's step `index`: the interval of the timerfd each read it ended there read. */
  periods(index: number, state: AbstractState): void {
    for (const r of this.open) {
      if (r.fd === undefined || r.period !== undefined || r.ends.late?.step !== index) continue;
      const leader = state.tasks[r.task]?.leader;
      const fd = leader === undefined ? undefined : state.processes[leader]?.fds[r.fd];
      r.period = fd?.kind === 'timerfd' ? BigInt(state.timers[fd.timer]?.interval ?? '0') : 0n;
    }
  }

  /** After a chain's step: its calls whose task is no longer waiting, without an end, vanished. */
  vanish(index: number, side: 'early' | 'late', state: AbstractState): void {
    for (const r of this.open) {
      if (!r.ends[side] && r.vanished[side] === undefined && !state.tasks[r.task]?.waiting) r.vanished[side] = index;
    }
  }

  /** The task the chain's open read of `task` started in (for the timerfd reader choice). */
  readStart(task: TaskHandle, side: 'early' | 'late'): number | undefined {
    const r = this.openOf(task, side);
    return r?.call === 'read' ? r.start : undefined;
  }

  /** After step `index`: judges every open call; closes the ones fully judged. */
  /** The run's brackets, for the lateness a loaded machine may add to a wake-up (judgeCall). */
  timing?: Timing;

  settle(index: number): string | null {
    for (const r of [...this.open]) {
      if (r.seen && r.seen[r.seen.length - 1] !== index) r.seen.push(index);
      const reason = judgeCall(r, index, this.timing);
      if (reason) return reason;
      const done = (s: 'early' | 'late') => r.ends[s] || r.vanished[s] !== undefined;
      if (r.ends.kernel && done('early') && done('late')) this.open = this.open.filter((x) => x !== r);
    }
    return null;
  }
}

// ---- The timerfd reader the kernel chose --------------------------------------------------------------

/** Where the kernel ended each blocking call it made, keyed `task@start`: the step, the place among that
 *  step's completions (-1: the call's own outcome), and whether it took a timerfd's expirations. */
function kernelCallEnds(program: Program, run: KernelRun): Map<string, { at: number; pos: number; took: boolean }> {
  const ends = new Map<string, { at: number; pos: number; took: boolean }>();
  const open = new Map<TaskHandle, number[]>();
  const took = (o: Observation | Completion) => o.ret === 8 || o.err === 'ECANCELED';
  for (const [j, step] of program.steps.entries()) {
    const obs = run.steps[j].obs;
    if (isRefused(obs) || obs.unresolved) {
      for (const [pos, c] of (obs.completions ?? []).entries()) {
        const start = open.get(c.task)?.shift();
        if (start !== undefined) ends.set(`${c.task}@${start}`, { at: j, pos, took: took(c) });
      }
      continue;
    }
    if (mayBlock(step) && obs.pending) open.set(step.task, [...(open.get(step.task) ?? []), j]);
    else if (mayBlock(step) && !obs.blocked) ends.set(`${step.task}@${j}`, { at: j, pos: -1, took: took(obs) });
    for (const [pos, c] of (obs.completions ?? []).entries()) {
      const start = open.get(c.task)?.shift();
      if (start !== undefined) ends.set(`${c.task}@${start}`, { at: j, pos, took: took(c) });
    }
  }
  return ends;
}

// ---- Chains -----------------------------------------------------------------------------------------------

/** Whether an observation ends a call of `task` (among its completions). */
const endsIn = (o: Observation, task: TaskHandle): boolean => (o.completions ?? []).some((x) => x.task === task);

/** Calls that can drop a reference to a time namespace (a task leaving or ending, an fd replaced or
 *  closed); the others only read or set time, so the chains need not look for namespaces gone after them. */
const NAMESPACE_DROPPING = new Set<string>(['fork', 'vfork', 'thread', 'clone3', 'clone', 'exec', 'exit', 'exit_group', 'wait',
  'unshare', 'setns', 'open', 'pidfd_open', 'close', 'ioctl']);
const mayDropNamespace = (step: Step): boolean => (isHostEvent(step) ? step.host === 'signal' : NAMESPACE_DROPPING.has(step.call));

/** One model run through the program at one end of every bracket. probe() tells what its next step would
 *  show at other clocks: a fresh model replays the history (with the same reader choices) and makes it. */
class Chain {
  private history: { step: Step; host: HostClocks; picks: number; index: number }[] = [];
  private picks: TaskHandle[] = [];
  private backend: Backend;
  labels = new InodeLabels(PROC_TIME_INIT_INO, PROC_USER_INIT_INO);

  constructor(
    private readonly factory: BackendFactory,
    private readonly env: Environment,
    private readonly pick: (readers: TaskHandle[]) => TaskHandle,
  ) {
    this.backend = this.replay(true);
  }

  /** Whether labelled namespaces that die are forgotten (InodeLabels), and the labels the last step forgot. */
  tracksNamespaces = false;
  gone: string[] = [];

  step(step: Step, host: HostClocks, index: number): Observation {
    this.history.push({ step, host, picks: this.picks.length, index });
    const o = this.labels.apply(this.backend.step(step, host));
    this.gone = this.tracksNamespaces && mayDropNamespace(step) ? this.labels.forgetGone(this.backend.abstract().timeNamespaces) : [];
    return o;
  }

  probe(step: Step, host: HostClocks): Observation {
    return this.labels.copy().apply(this.replay(false).step(step, host));
  }

  /** What this chain's last step would have ended had time run on to `host` within it (a call armed
   *  at `before` may end before `after`): the completions of a zero advance there. */
  settled(host: HostClocks): Observation {
    return this.replay(false).step({ host: 'advance', ns: '0' }, host);
  }

  /** The last step made again as `step` at `host` instead (the chain's choices and labels before it kept). */
  remake(step: Step, host: HostClocks): Observation {
    const last = this.history.pop()!;
    this.picks = this.picks.slice(0, last.picks);
    this.backend = this.replay(true);
    return this.step(step, host, last.index);
  }

  /** The earliest clocks in the last step's bracket at which that step shows an outcome `ok` accepts
   *  (it does at `after`, not at `before`), by binary search over the bracket, and what it shows there. */
  earliest(ks: KernelStep, ok: (o: Observation) => boolean): { host: HostClocks; obs: Observation } {
    const last = this.history[this.history.length - 1];
    const at = (d: bigint | HostClocks) => {
      const host = typeof d === 'bigint' ? moved(ks, d, 'early') : d;
      return { host, obs: this.labels.copy().apply(this.replay(false, this.history.length - 1).step(last.step, host)) };
    };
    let lo = 0n; // not accepted
    let hi = ks.after.monotonic - ks.before.monotonic; // accepted
    let found = at(hi);
    if (!ok(found.obs)) return at(ks.after);
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      const o = at(mid);
      if (ok(o.obs)) [hi, found] = [mid, o];
      else lo = mid;
    }
    return found;
  }

  /** The kernel's outcome was not this chain's: the chain goes on from `from`'s history (itself or
   *  the other chain) with its last step made at `host` instead, the corner whose outcome the kernel
   *  showed. The chains stay the earliest and the latest execution consistent with the kernel. */
  redo(from: Chain, host: HostClocks): void {
    const last = from.history[from.history.length - 1];
    this.history = [...from.history.slice(0, -1), { ...last, host }];
    this.picks = from.picks.slice(0, last.picks);
    this.labels = from.labels.copy();
    this.backend = this.replay(true);
  }

  /**
   * The kernel's outcome was not this chain's, and the other chain's history shows it: rather than jump
   * to the other history wholesale (which moves every earlier step to the other end of its bracket),
   * move one earlier step within its bracket, the most recent one that can do it, and only as far as
   * it must: for the early chain later (from `before` towards `after`), for the late chain earlier. A
   * binary search finds the least move whose history shows the kernel's task states in every step and
   * the kernel's outcome in this one. The chain goes on from there, still an execution consistent with
   * the kernel and as early (late) as one moved step allows. Null (the chain unchanged) when no single
   * step can do it.
   */
  shift(run: KernelRun, ok: (o: Observation) => boolean, side: 'early' | 'late'): { last: Observation; ends: { index: number; c: Completion }[] } | null {
    const attempt = (j: number, d: bigint) => {
      const history = this.history.map((h, i) => (i === j ? { ...h, host: moved(run.steps[h.index], d, side) } : h));
      let n = 0;
      const b = this.factory(this.env, { timerfdReader: (readers) => (n < this.picks.length ? this.picks[n++] : this.pick(readers)) });
      const labels = this.labels.copy();
      const ends: { index: number; c: Completion }[] = [];
      let fits = true;
      let last: Observation = {};
      for (const [i, h] of history.entries()) {
        const o = b.step(h.step, h.host);
        for (const c of o.completions ?? []) ends.push({ index: h.index, c });
        const k = run.steps[h.index].obs;
        if (i === history.length - 1) {
          last = labels.apply(o);
          fits &&= ok(last);
        } else if (!isRefused(k) && !!k.blocked !== !!o.blocked) fits = false;
        if (!fits) break;
      }
      return { history, fits, ends, last };
    };
    const lastPicks = this.history[this.history.length - 1].picks;
    for (let j = this.history.length - 2; j >= 0; j--) {
      const ks = run.steps[this.history[j].index];
      const width = ks.after.monotonic - ks.before.monotonic;
      if (width <= 0n || !attempt(j, width).fits) continue;
      let lo = 0n; // does not fit
      let hi = width; // fits
      while (hi - lo > 1n) {
        const mid = (lo + hi) / 2n;
        if (attempt(j, mid).fits) hi = mid;
        else lo = mid;
      }
      const found = attempt(j, hi);
      this.history = found.history;
      this.picks = this.picks.slice(0, lastPicks);
      this.backend = this.replay(true);
      return { last: found.last, ends: found.ends };
    }
    return null;
  }

  /** A fresh model that has made this chain's history, or its first `steps` entries (with the same reader
   *  choices); `live` keeps recording the choices of later steps. */
  private replay(live: boolean, steps = this.history.length): Backend {
    let n = 0;
    const known = this.picks.length;
    const b = this.factory(this.env, {
      timerfdReader: (readers) => {
        if (n < known) return this.picks[n++];
        const p = this.pick(readers);
        if (live) this.picks.push(p);
        return p;
      },
    });
    for (const h of this.history.slice(0, steps)) b.step(h.step, h.host);
    return b;
  }

  abstract(): AbstractState {
    return this.backend.abstract();
  }

  /** A fresh model that has made this chain's history up to and including program step `index` (with
   *  the same reader choices), and the clocks that step was made at; null when the chain never made it. */
  after(index: number): { backend: Backend; host: HostClocks } | null {
    const i = this.history.findIndex((h) => h.index === index);
    return i < 0 ? null : { backend: this.replay(false, i + 1), host: this.history[i].host };
  }
}

// ---- A timer callback that lags ----------------------------------------------------------------------------

/** The setting a POSIX timer or timerfd was last given with a value (a zero value disarms: no entry). */
interface Arming {
  index: number;
  task: TaskHandle;
  abs: boolean;
}

/** The key of the timer a step names, when it is one of the four itimer calls. */
function timerKey(step: Step): string | undefined {
  if (isHostEvent(step)) return undefined;
  if (step.call === 'timer_settime' || step.call === 'timer_gettime') return `timer ${step.timer}`;
  if (step.call === 'timerfd_settime' || step.call === 'timerfd_gettime') return `fd ${step.fd}`;
  return undefined;
}

/** The host clock an armed timer of `clock` lives on (docs/conventions.md, "Timers"); undefined for a
 *  CPU-time clock. */
function hostBase(clock: number, abs: boolean): keyof HostClocks | undefined {
  switch (clock) {
    case CLOCKS.CLOCK_REALTIME: return abs ? 'realtime' : 'monotonic';
    case CLOCKS.CLOCK_REALTIME_ALARM: return 'realtime';
    case CLOCKS.CLOCK_TAI: return abs ? 'tai' : 'monotonic';
    case CLOCKS.CLOCK_MONOTONIC: return 'monotonic';
    case CLOCKS.CLOCK_BOOTTIME: case CLOCKS.CLOCK_BOOTTIME_ALARM: return 'boottime';
    default: return undefined;
  }
}

/**
 * An expired timer whose hrtimer callback has not run yet (Linux under QEMU, where the callback may lag
 * by milliseconds): timer_gettime (and timer_settime's old value) of a signal timer reads 1 ns left,
 * common_timer_get's answer for an armed timer past its expiry; a timerfd reads 0, not forwarded
 * (timerfd_gettime forwards only once the callback set ctx->expired, and clamps a negative remainder to
 * 0); a nonblocking read of a timerfd finds no expiration counted yet (ctx->ticks is 0: EAGAIN). The
 * models fire at the expiry itself. Such a reading is allowed where the timer's current setting had its
 * first expiry by the step's `after` in the early chain: it expired as the early chain armed it, or its
 * time left when it was armed is no more than the time since.
 */
function callbackLagged(step: Step, k: Observation, armed: Arming | undefined, early: Chain, now: HostClocks): boolean {
  if (isHostEvent(step) || !armed) return false;
  const posix = step.call === 'timer_gettime' || step.call === 'timer_settime';
  const tfd = step.call === 'timerfd_gettime' || step.call === 'timerfd_settime';
  const left = k.ret === 0 && k.itimer !== undefined && ((posix && k.itimer.value === '1') || (tfd && k.itimer.value === '0'));
  const uncounted = step.call === 'read' && k.err === 'EAGAIN';
  if (!left && !uncounted) return false;
  const then = early.after(armed.index);
  if (!then) return false;
  const state = then.backend.abstract();
  let timer: AbstractState['timers'][string] | undefined;
  let read: Step;
  if (posix && 'timer' in step) {
    timer = state.timers[step.timer];
    read = { task: armed.task, call: 'timer_gettime', timer: step.timer };
  } else if ('fd' in step && step.fd !== undefined) {
    const leader = state.tasks[armed.task]?.leader;
    const fd = leader === undefined ? undefined : state.processes[leader]?.fds[step.fd];
    timer = fd?.kind === 'timerfd' ? state.timers[fd.timer] : undefined;
    read = { task: armed.task, call: 'timerfd_gettime', fd: step.fd };
  } else return false;
  // A SIGEV_NONE timer is never queued: common_timer_get answers 0 once it expired, never 1 ns.
  if (!timer || (posix && timer.notify !== 'signal')) return false;
  // Already expired when the early chain armed it (an absolute time in the past): its time left then is
  // that of a later period, and the first expiry came before `after` anyway.
  if (posix ? timer.signalQueued : BigInt(timer.ticks ?? 0) > 0n) return true;
  const base = hostBase(timer.clock, armed.abs);
  if (!base) return false;
  const wait = then.backend.step(read, then.host);
  if (wait.ret !== 0 || !wait.itimer) return false;
  return BigInt(wait.itimer.value) <= now[base] - then.host[base];
}

/** Whether the fd a step reads was last made, before step `index`, by a nonblocking timerfd_create. */
function madeNonblocking(steps: readonly ProgramStep[], index: number, fd: string): boolean {
  for (let i = index - 1; i >= 0; i--) {
    const s = steps[i];
    if (!isHostEvent(s) && s.call === 'timerfd_create' && s.fd === fd) return s.nonblock;
  }
  return false;
}

/** A step's clocks moved d into its bracket: for the early chain d after `before` (no later than
 *  `after`), for the late chain d before `after` (no earlier than `before`). */
function moved(ks: KernelStep, d: bigint, side: 'early' | 'late'): HostClocks {
  const out = { ...ks.before };
  for (const key of Object.keys(out) as (keyof HostClocks)[]) {
    const room = ks.after[key] - ks.before[key];
    const by = room <= 0n ? 0n : d < room ? d : room;
    out[key] = side === 'early' ? ks.before[key] + by : ks.after[key] - by;
  }
  return out;
}

/** Whether a corner's outcome is the kernel's, as far as the chains' course goes: the same shape, or
 *  for a call that may block, the same task state (blocked, gone, or able to make the call). */
function consistent(step: Step, k: Observation, o: Observation): boolean {
  if (mayBlock(step)) return !!k.blocked === !!o.blocked && (k.err === 'ESRCH') === (o.err === 'ESRCH');
  return shape(k, timeKind(step)) === shape(o, timeKind(step));
}

// ---- Running -----------------------------------------------------------------------------------------------

/**
 * A run in which Linux did something no model answer can be (driver.ts Odd: a step that hung past the
 * time limit, a task killed during its step, an unnamed errno) is judged up to that step as usual; if
 * the steps before it agree, the odd step is the disagreement, a departure on the Linux side.
 */
export function compareRun(program: Program, run: KernelRun, factory: BackendFactory): Comparison {
  const odd = run.steps.findIndex((s) => isOdd(s.obs));
  if (odd < 0) return compareWholeRun(program, run, factory);
  const before = compareWholeRun({ ...program, steps: program.steps.slice(0, odd) }, { ...run, steps: run.steps.slice(0, odd) }, factory);
  if (before.disagreement) return before;
  // The model makes the steps with the values Linux used, as the chains do.
  const labels = stepLabels(program.steps);
  const kernelObs = (j: number): Observation | undefined => {
    const o = run.steps[j]?.obs;
    return o === undefined || isRefused(o) ? undefined : o;
  };
  const made = program.steps.slice(0, odd + 1).map((s) => resolveStep(s, kernelObs, labels) ?? NOT_MADE);
  const model = runProgram({ ...program, steps: made }, factory)[odd].obs;
  const seen = run.steps[odd].obs as Odd;
  const kernel = seen as Observation;
  const what = seen.hung ? 'the step did not end within the time limit (hung)'
    : seen.died !== undefined ? `the task was killed by signal ${seen.died} during the step`
    : `the kernel returned errno ${seen.unknownErrno}, which no model answer has`;
  return {
    ...before,
    disagreement: { index: odd, step: program.steps[odd], kernel, modelBefore: model, modelAfter: model, reason: `Linux: ${what}`, linuxSide: true },
  };
}

function compareWholeRun(program: Program, run: KernelRun, factory: BackendFactory): Comparison {
  const calls = new CallTracker();
  calls.timing = {
    before: run.steps.map((s) => s.before.monotonic), after: run.steps.map((s) => s.after.monotonic), widest: 0n,
  };
  const kernelEnds = kernelCallEnds(program, run);
  // Of the readers woken together, the one whose read the kernel ended first with the expirations.
  const picker = (side: 'early' | 'late') => (readers: TaskHandle[]): TaskHandle => {
    let best: { task: TaskHandle; at: number; pos: number } | undefined;
    for (const task of readers) {
      const start = calls.readStart(task, side);
      const e = start === undefined ? undefined : kernelEnds.get(`${task}@${start}`);
      if (e?.took && (!best || e.at < best.at || (e.at === best.at && e.pos < best.pos))) best = { task, at: e.at, pos: e.pos };
    }
    return best?.task ?? readers[0];
  };
  // The environment is the machine's; the behaviour to follow is the one the program assumes.
  const env = { ...run.env, kernel: program.kernel };
  // t0 was made somewhere in its own bracket: early at its start, late at its end.
  const early = new Chain(factory, run.born ? { ...env, startBoottime: run.born.before.boottime } : env, picker('early'));
  const late = new Chain(factory, run.born ? { ...env, startBoottime: run.born.after.boottime } : env, picker('late'));
  const kernelLabels = new InodeLabels(run.initialTimeNs, run.initialUserNs);
  // Only a readlink shows a namespace's number: without one, no label needs forgetting.
  early.tracksNamespaces = late.tracksNamespaces = program.steps.some((s) => !isHostEvent(s) && s.call === 'readlink');
  const cpu = new CpuClocks(env.tickNs);
  // times() keeps its own readings: its thread counts since the last reading are its own.
  const tms = new CpuClocks();
  const cpuRead = program.steps.some((s) => timeKind(s) === 'cputime' || timeKind(s) === 'times');
  const labels = stepLabels(program.steps);
  const kernelObs = (j: number): Observation | undefined => {
    const o = run.steps[j]?.obs;
    return o === undefined || isRefused(o) ? undefined : o;
  };
  const result: Comparison = { compared: 0, refused: [], trace: [] };
  const armings = new Map<string, Arming>();
  let widest = 0n;
  for (const [index, programStep] of program.steps.entries()) {
    const ks: KernelStep = run.steps[index];
    // A step the executor refused never ran, but time went by while it was taken, and calls of other
    // tasks may have ended then: for the chains it is a zero advance at its bracket.
    const refused = isRefused(ks.obs);
    if (refused) result.refused.push(index);
    // Observed values are the kernel's (docs/conventions.md, "Observed values"): the models make the
    // step with the value Linux used, or, where the kernel's observation had none, do not make it.
    const resolved = refused ? NOT_MADE : resolveStep(programStep, kernelObs, labels);
    const unresolved = resolved === null;
    if (!refused && unresolved !== ((ks.obs as Observation).unresolved === true)) {
      const kernel = kernelLabels.apply(ks.obs);
      const reason = unresolved ? 'the executor made a step whose observed value the kernel did not observe'
        : 'the executor did not make a step whose observed value the kernel observed';
      result.disagreement = { index, step: programStep, kernel, modelBefore: kernel, modelAfter: kernel, reason };
      return result;
    }
    let step: Step = resolved ?? NOT_MADE;
    const width = ks.after.monotonic - ks.before.monotonic;
    if (width > widest) widest = width;
    // How long a step took beyond what it asked to wait: the load the run saw.
    const asked = isHostEvent(programStep) && programStep.host === 'advance' ? BigInt(programStep.ns) : 0n;
    const excess = width - (asked < ADVANCE_CAP_NS ? asked : ADVANCE_CAP_NS);
    if (excess > calls.timing.widest) calls.timing.widest = excess;
    let kernel = isRefused(ks.obs)
      ? { ret: 0, ...(ks.obs.completions ? { completions: ks.obs.completions } : {}) }
      : kernelLabels.apply(ks.obs);
    const probe = historyMatters(step) || calls.busy;
    // Probes replay the chains' history up to here, so they come before the chains' own step.
    const ea = probe ? early.probe(step, ks.after) : undefined;
    const lb = probe ? late.probe(step, ks.before) : undefined;
    let c: Corners = { eb: early.step(step, ks.before, index), la: late.step(step, ks.after, index), ea, lb };
    if (!isHostEvent(step) && kernel.blocked && endsIn(kernel, step.task) && !c.eb.blocked && !c.la.blocked &&
        endsIn(c.eb, step.task) && endsIn(c.la, step.task)) {
      // The task's call ends in this step in both chains and on the kernel (judged with the other ends),
      // but Linux woke the task only after the executor had found it still blocked: a late wake-up
      // (docs/conventions.md, "Blocking calls on the kernel"). The call of this step was not made there,
      // so the chains do not make it either: for them the step is a zero advance at its bracket.
      step = NOT_MADE;
      kernel = { ret: 0, ...(kernel.completions ? { completions: kernel.completions } : {}) };
      c = { eb: early.remake(step, ks.before), la: late.remake(step, ks.after) };
    }
    if (!isHostEvent(step) && step.call === 'read' && kernel.err === 'EAGAIN' && (c.eb.ret ?? 0) > 0 && (c.la.ret ?? 0) > 0 &&
        madeNonblocking(program.steps, index, step.fd) && callbackLagged(step, kernel, armings.get(`fd ${step.fd}`), early, ks.after)) {
      // A nonblocking timerfd read found no expiration although the timer's setting expired before the
      // step in both chains: Linux had not run the callback that counts it (callbackLagged). EAGAIN
      // changes nothing, so the chains do not make the read either: the expiration stays for a later one.
      step = NOT_MADE;
      kernel = { ret: 0, ...(kernel.completions ? { completions: kernel.completions } : {}) };
      c = { eb: early.remake(step, ks.before), la: late.remake(step, ks.after) };
    }
    // A namespace the models saw go in this step has gone on the kernel too: its number may come back.
    for (const label of early.gone) kernelLabels.forgetLabel(label);
    if (unresolved) for (const k of ['eb', 'la', 'ea', 'lb'] as const) if (c[k]) c[k] = unresolvedObservation(c[k]);
    // A chain whose outcome the kernel did not show goes on from the nearest corner the kernel did.
    let [eb, la] = [c.eb, c.la];
    if (!consistent(step, kernel, c.eb) || !consistent(step, kernel, c.la)) {
      c.ea ??= early.probe(step, ks.after);
      c.lb ??= late.probe(step, ks.before);
      const corner = (o: Observation | undefined) => o !== undefined && consistent(step, kernel, o);
      const eOrder: [Observation, Chain, HostClocks][] = [[c.eb, early, ks.before], [c.ea, early, ks.after], [c.lb, late, ks.before], [c.la, late, ks.after]];
      const eNext = eOrder.find(([o]) => corner(o));
      const lNext = [...eOrder].reverse().find(([o]) => corner(o));
      if (eNext && eNext[0] !== c.eb) {
        const shifted = eNext[1] === late ? early.shift(run, corner, 'early') : null;
        if (shifted) {
          // The early chain went on with one earlier step made later; this step is at `before` again.
          eb = shifted.last;
          calls.rebase('early', index, shifted.ends, early.abstract());
        } else if (eNext[1] === early && eNext[0] === c.ea && mayBlock(step)) {
          // The task woke inside the bracket (blocked at `before`, making the call at `after`): the early
          // chain makes the call at the earliest moment the task could, not at `after`, so that a call that
          // ends soon may end within this step as on the kernel.
          const woke = early.earliest(ks, corner);
          early.redo(early, woke.host);
          eb = woke.obs;
        } else {
          early.redo(eNext[1], eNext[2]);
          if (eNext[1] === late) calls.adopt('early', 'late');
          eb = eNext[0];
        }
      }
      if (lNext && lNext[0] !== c.la) {
        const shifted = lNext[1] === early ? late.shift(run, corner, 'late') : null;
        if (shifted) {
          la = shifted.last;
          calls.rebase('late', index, shifted.ends, late.abstract());
        } else {
          late.redo(lNext[1], lNext[2]);
          if (lNext[1] === early) calls.adopt('late', 'early');
          la = lNext[0];
        }
      }
    }
    const probes = c.ea || c.lb ? { earlyAfter: c.ea, lateBefore: c.lb } : undefined;
    if (!refused) {
      result.compared++;
      result.trace.push({ index, step: programStep, kernel, modelBefore: c.eb, modelAfter: c.la, ...(probes ? { probes } : {}) });
    }
    // A call may start and (on the kernel) end within one step, so it is opened before ends are taken.
    // The corners as the chains go on from them (after a redo, the corner the kernel showed).
    if (!isHostEvent(step)) calls.started(index, step, kernel, { ...c, eb, la });
    const lateState = cpuRead || calls.busy ? late.abstract() : undefined;
    if (lateState && cpuRead) {
      cpu.seen(threadCounts(lateState));
      tms.seen(threadCounts(lateState));
    }
    // Probes first: they end calls their chain has not ended before this step.
    calls.probed(index, 'ea', c.ea);
    calls.probed(index, 'lb', c.lb);
    const reach = (Object.keys(ks.after) as (keyof HostClocks)[]).reduce((m, key) => {
      const d = ks.after[key] - ks.before[key];
      return d > m ? d : m;
    }, 0n);
    const key = timerKey(step);
    let reason = judgeStep(step, kernel, c, { spread: width + widest, width, reach });
    if (reason === 'remaining time outside the corners' && callbackLagged(step, kernel, key ? armings.get(key) : undefined, early, ks.after)) reason = null;
    // The setting the step gave, for later readings of the same timer.
    if (key && !isHostEvent(step) && (step.call === 'timer_settime' || step.call === 'timerfd_settime') && kernel.ret === 0) {
      if (BigInt(step.value.sec) === 0n && step.value.nsec === 0) armings.delete(key);
      else armings.set(key, { index, task: step.task, abs: step.abs });
    }
    if (!isHostEvent(step) && step.call === 'timer_create') armings.delete(`timer ${step.timer}`);
    if (!isHostEvent(step) && step.call === 'timerfd_create') armings.delete(`fd ${step.fd}`);
    reason ??= judgeCpu(step, kernel, ks, cpu, lateState, tms)
      ?? calls.ended(index, 'kernel', kernel.completions)
      ?? calls.ended(index, 'early', eb.completions)
      ?? calls.ended(index, 'late', la.completions);
    if (!reason) {
      // Any call the early chain has not ended may end by `after` within this step: the step's own call
      // (a sleep armed at `before`), or another task's call that this step made end soon (a timerfd
      // armed to expire within the step while a reader waits on it). Taken after the step's own ends, so
      // that a task's new call is not taken for the one it ended in this step.
      if (calls.awaiting('early')) calls.probed(index, 'ea', early.settled(ks.after));
      if (calls.busy) {
        calls.vanish(index, 'early', early.abstract());
        calls.vanish(index, 'late', lateState ?? late.abstract());
        calls.periods(index, lateState ?? late.abstract());
      }
      reason = calls.settle(index);
    }
    if (reason) {
      result.disagreement = { index, step: programStep, kernel, modelBefore: c.eb, modelAfter: c.la, ...(probes ? { probes } : {}), reason };
      return result;
    }
  }
  return result;
}

/** A CPU-time clock reading against the earlier readings of the same clock. */
function judgeCpu(step: Step, k: Observation, ks: KernelStep, cpu: CpuClocks, state: AbstractState | undefined, tms: CpuClocks): string | null {
  if (!isHostEvent(step) && step.call === 'times' && k.tms !== undefined) {
    const leader = state?.tasks[step.task]?.leader ?? step.task;
    return tms.judgeTimes(step.task, leader, k.tms, ks.before.monotonic, ks.after.monotonic);
  }
  const clock = clockOf(step);
  if (clock === undefined || !isCpuClock(clock) || k.ret !== 0 || k.time === undefined || isHostEvent(step)) return null;
  const leader = state?.tasks[step.task]?.leader ?? step.task;
  return cpu.judge(clock, step.task, leader, BigInt(k.time), ks.before.monotonic, ks.after.monotonic);
}

export async function compareOnKernel(program: Program, factory: BackendFactory, options: RunOptions = {}): Promise<Comparison & { run: KernelRun }> {
  const run = await runOnKernel(program, options);
  return { ...compareRun(program, run, factory), run };
}

export function describeDisagreement(d: Disagreement): string {
  return [
    `step ${d.index}: ${JSON.stringify(d.step)}`,
    `  ${d.reason}`,
    `  kernel:        ${JSON.stringify(d.kernel)}`,
    `  model(before): ${JSON.stringify(d.modelBefore)}`,
    `  model(after):  ${JSON.stringify(d.modelAfter)}`,
    ...(d.probes?.earlyAfter ? [`  model(early history, step at after): ${JSON.stringify(d.probes.earlyAfter)}`] : []),
    ...(d.probes?.lateBefore ? [`  model(late history, step at before): ${JSON.stringify(d.probes.lateBefore)}`] : []),
  ].join('\n');
}

export type { Refused };
