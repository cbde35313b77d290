// The kernel backend: runs a Program on this machine's kernel through the executor (executor.c) and
// returns, per step, what the program observed and the host clocks read just before and just after.
//
// Handles become numbers here: task handles become executor task indices (t0 = 0, then by first
// appearance), fd handles become fixed descriptor numbers (100, 101, ... by first appearance), so a
// closed fd's number is never reused by another handle. Everything else the executor is told is the
// syscall's own argument.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CAP_NAMES, CAPS, CLOCKS, CLONE_FLAGS, ERRNOS, NS_IOCTLS, SEEK_WHENCE, WAIT_OPTIONS, isHostEvent, isObserved, observedIndex, stepLabels } from '../vocab/index.ts';
import type {
  CapName, ClockRef, CloneFlagName, Completion, Environment, Errno, HostClocks, Observation, Observed, Program, ProgramStep, ProgramTaskStep,
  TaskStep, TextPart, Timespec,
} from '../vocab/index.ts';
import { buildExecutor } from './build.ts';
import { consoleLogPath, consoleTail, vmPlan } from './vm.ts';

export interface Refused {
  refused: string;
  /** Calls of other tasks that ended while the executor took the refused step (it never ran). */
  completions?: Completion[];
}
/** What Linux did that no model answer can be: a step that did not end within the program's time
 *  limit, a task killed by a signal during its step, an errno the vocabulary has no name for. These are
 *  observations like any other (the judge reports them as Linux-side departures), not crashed runs. */
export interface Odd extends Observation {
  hung?: true;
  died?: number;
  unknownErrno?: number;
}
export function isOdd(obs: Observation | Refused | Odd): obs is Odd {
  return 'hung' in obs || 'died' in obs || 'unknownErrno' in obs;
}
export interface KernelStep {
  obs: Observation | Refused | Odd;
  before: HostClocks;
  after: HostClocks;
}
export interface KernelRun {
  /** The environment found on the machine; the model starts from exactly this. */
  env: Environment;
  /** Inode numbers of the executor's own (the initial) time and user namespaces. */
  initialTimeNs: number;
  initialUserNs: number;
  /** The release of the kernel the program ran on (uname -r). */
  release: string;
  /** The host clocks just before and just after t0 was made: its start time lies between. */
  born?: { before: HostClocks; after: HostClocks };
  steps: KernelStep[];
}

/** How long a kernel under QEMU may take to boot (TCG boots 6.1 in about 3.5 s on an idle machine). */
const BOOT_TIMEOUT_MS = 90_000;
/** `advance` becomes a real wait of at most this long. */
export const ADVANCE_CAP_NS = 20_000_000n;
/** The unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on every Linux architecture this runs on). */
const CLOCK_TICKS = 100;
/** Fd handles live at FD_HANDLE_BASE + ordinal (executor.h). */
const FD_HANDLE_BASE = 100;
const FD_HANDLE_MAX = 899;

export function isRefused(obs: Observation | Refused): obs is Refused {
  return 'refused' in obs;
}

// ---- Availability ------------------------------------------------------------------------------

/** Who the executor runs as when a run asks for `unprivileged` while this process is root. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

export interface ExecutorMode {
  /** Run the executor as NOBODY (when this process is root; otherwise it is unprivileged anyway): it
   *  then starts every program in a user namespace of its own (Environment.userNamespace). */
  unprivileged?: boolean;
  /** Pin the executor (and so every task) to this CPU rather than the one it starts on: executors
   *  that run side by side (kernel/pool.ts) then do not share one CPU. */
  cpu?: number;
  /** Boot this kernel version under QEMU (kernel/vm.ts) and run the executor there rather than on
   *  this machine's kernel. One boot serves every program of the executor's session. */
  kernel?: string;
}

/** The key of a mode among the executors kept and the availabilities known. */
function modeKey(mode: ExecutorMode): string {
  return `${mode.unprivileged === true ? 'nobody' : 'self'}@${mode.kernel ?? 'host'}`;
}

/** Whether kernel checks can run here; when not, why, and whether the executor itself is broken (a
 *  compiler is there but the executor does not compile), which is a fault and never a reason to skip. */
export type Availability = { ok: true } | { ok: false; reason: string; broken?: boolean };

const available = new Map<string, Availability>();

/** Whether kernel checks can run here, as root or not (or, asked for, as NOBODY); the reason when
 * they cannot (never a silent pass). */
export function kernelAvailable(mode: ExecutorMode = {}): Availability {
  const key = modeKey(mode);
  if (!available.has(key)) available.set(key, mode.kernel !== undefined ? probeVm(mode.kernel, mode.unprivileged === true) : probeAvailability(mode.unprivileged === true));
  return available.get(key)!;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Spawn options that make the executor unprivileged when asked to and this process is root. */
function spawnIds(unprivileged: boolean): { uid?: number; gid?: number } {
  return unprivileged && isRoot() ? { ...NOBODY } : {};
}

function probeAvailability(unprivileged: boolean): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  if (!existsSync('/proc/self/ns/time')) return { ok: false, reason: 'this kernel has no time namespaces (/proc/self/ns/time missing)' };
  const built = buildExecutor();
  if (!built.ok) return { ok: false, reason: built.reason, broken: built.broken };
  if (isRoot() && !unprivileged) return { ok: true };
  // Not root: the executor must make a user namespace of its own; ask it whether it can.
  const probe = spawnSync(built.path, ['probe'], { encoding: 'utf8', timeout: 10_000, ...spawnIds(unprivileged) });
  if (probe.error) return { ok: false, reason: `the executor could not run unprivileged: ${probe.error.message}` };
  if (probe.status !== 0) {
    const why = probe.stdout.trim().replace(/^no /, '') || `exit status ${probe.status}`;
    return { ok: false, reason: `not root, and user namespaces are not allowed to this user: ${why}` };
  }
  return { ok: true };
}

function probeVm(version: string, unprivileged: boolean): Availability {
  if (unprivileged) return { ok: false, reason: `an unprivileged executor is not supported in a booted kernel (${version})` };
  const plan = vmPlan(version);
  return plan.ok ? { ok: true } : { ok: false, reason: `Linux ${version} under QEMU: ${plan.reason}`, broken: plan.broken };
}

// ---- The executor process -----------------------------------------------------------------------

/**
 * A running executor in server mode: it runs programs one after another, each introduced by a
 * "program" line, and after each program's "end" kills and reaps every process of it before it
 * answers "done". One request line in, one reply line out.
 */
export class ExecutorSession {
  private readonly child;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;
  private readonly stderr: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  /** A booted kernel's executor announces the kernel ("boot <release>") before it can be sent
   *  anything; null until then, and for a local executor. */
  private booted: Promise<void> | null = null;
  /** The release the executor runs on, once known. */
  release = '';
  /** A booted kernel's console file (kernel/vm.ts), removed when the session closes. */
  private console: string | undefined;
  private consoleEnd = '';

  constructor(mode: ExecutorMode = {}) {
    // detached: the executor (or QEMU) leads its own process group, so a timeout can kill every task at once.
    if (mode.kernel !== undefined) {
      const plan = vmPlan(mode.kernel);
      if (!plan.ok) throw new Error(`Linux ${mode.kernel} under QEMU unavailable: ${plan.reason}`);
      this.console = consoleLogPath();
      this.child = spawn(plan.command, plan.args(this.console), { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      this.booted = this.awaitBoot(mode.kernel);
    } else {
      const built = buildExecutor();
      if (!built.ok) throw new Error(`kernel executor unavailable: ${built.reason}`);
      this.child = spawn(built.path, ['serve', ...(mode.cpu !== undefined ? [String(mode.cpu)] : [])], {
        detached: true, stdio: ['pipe', 'pipe', 'pipe'], ...spawnIds(mode.unprivileged === true),
      });
    }
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.push(line));
    this.child.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.child.on('exit', () => {
      this.closed = true;
      if (this.console) {
        this.consoleEnd = consoleTail(this.console);
        rmSync(this.console, { force: true });
      }
      this.push(null);
    });
    this.child.stdin!.on('error', () => {});
    this.hold(false);
  }

  /** An idle executor does not keep this process alive (when this process ends, the executor reads
   * the end of its input and exits); one that runs a program does, until its replies or its exit. */
  private hold(on: boolean): void {
    if (on) this.child.ref();
    else this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      const handle = s as unknown as { ref?: () => void; unref?: () => void };
      if (on) handle.ref?.();
      else handle.unref?.();
    }
  }

  /** The guest's first line; the UART drops what it receives before the guest opens it, so nothing
   *  is sent before. A boot has its own time limit, longer than any program's. */
  private async awaitBoot(version: string): Promise<void> {
    this.hold(true);
    const timer = setTimeout(() => {
      this.timedOut = true;
      this.kill();
    }, BOOT_TIMEOUT_MS);
    try {
      const line = await this.read();
      if (!line.startsWith('boot ')) throw new Error(`Linux ${version} under QEMU said ${JSON.stringify(line)} where it should announce its boot`);
      this.release = line.slice(5).trim();
    } finally {
      clearTimeout(timer);
      this.hold(false);
    }
  }

  /** Whether this process's timer ended the program (the run is then cut short, not broken). */
  get hasTimedOut(): boolean {
    return this.timedOut;
  }

  get alive(): boolean {
    return !this.closed && !this.timedOut;
  }

  /** The executor's pid, which is also its process group's id (every task of its programs is in it). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private push(line: string | null): void {
    if (line !== null) this.lines.push(line);
    if (this.waiting && (this.lines.length > 0 || this.closed)) {
      const w = this.waiting;
      this.waiting = null;
      w(this.lines.length > 0 ? this.lines.shift()! : null);
    }
  }

  /** The next line the executor prints; throws if it died or timed out. */
  async read(): Promise<string> {
    const line =
      this.lines.length > 0 ? this.lines.shift()!
      : this.closed ? null
      : await new Promise<string | null>((resolve) => { this.waiting = resolve; });
    if (line === null) {
      const console = this.console ? `\n--- the guest's console:\n${this.consoleEnd || consoleTail(this.console)}` : '';
      throw new Error(this.timedOut ? `kernel run timed out${this.release ? '' : ' (booting)'}${console}` : `executor ended early: ${this.stderr.join('')}${console}`);
    }
    if (line.startsWith('fatal ')) throw new Error(`executor: ${line.slice(6)}`);
    return line;
  }

  async request(line: string): Promise<string> {
    this.send([line]);
    return this.read();
  }

  /** Queue lines for the executor; it answers each in order. */
  send(lines: string[]): void {
    this.child.stdin!.write(lines.map((l) => `${l}\n`).join(''));
  }

  /**
   * Starts a program of `taskCount` tasks; returns the executor's environment report once t0 runs.
   * The executor's own alarm and, as a second line, a timer here (which kills the whole process
   * group) both limit the program to about `timeoutMs`.
   */
  async begin(taskCount: number, timeoutMs: number, steps: string[] = []): Promise<EnvReport> {
    const alarmS = Math.ceil(timeoutMs / 1000) + 1;
    if (this.booted) await this.booted;
    this.hold(true);
    this.timer = setTimeout(() => this.expire(), timeoutMs);
    // Steps may be queued with the header: the executor starts t0 before it reads them.
    this.send([`program ${taskCount} ${alarmS}`, ...steps]);
    const report = parseEnv(await this.read());
    const [ready, before, after] = (await this.read()).split('\t');
    if (ready !== 'ready') throw new Error('executor did not start its first task');
    if (before && after) report.born = { before: parseClocks(before), after: parseClocks(after) };
    this.release = report.release;
    return report;
  }

  /** Ends the program: the executor kills and reaps every one of its processes. `queued`: "end" was
   * already sent (with the steps), only its "done" is still to come. */
  async end(queued = false): Promise<void> {
    try {
      if (!this.closed) {
        if (!queued) this.child.stdin!.write('end\n');
        while ((await this.read()) !== 'done');
      }
    } finally {
      clearTimeout(this.timer);
      this.hold(false);
    }
  }

  /** Kills the executor and every task (one process group) and waits until the executor is gone. */
  async close(): Promise<void> {
    this.hold(true);
    this.kill();
    clearTimeout(this.timer);
    await new Promise<void>((resolve) => (this.closed ? resolve() : this.child.once('exit', () => resolve())));
  }

  /** The program's time limit passed. A local executor is told first (SIGALRM, as its own alarm): it
   *  prints the replies it holds, so the step that hung is known, and kills its tasks; the whole group
   *  is killed anyway shortly after. A booted kernel's QEMU is killed at once. */
  private expire(): void {
    this.timedOut = true;
    if (this.console !== undefined || this.booted) return this.kill();
    try {
      process.kill(this.child.pid!, 'SIGALRM');
    } catch {
      // Already gone.
    }
    setTimeout(() => this.kill(), 1000).unref();
  }

  kill(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  }
}

// ---- Parsing what the executor prints -------------------------------------------------------------

export interface EnvReport {
  env: Environment;
  initialTimeNs: number;
  initialUserNs: number;
  release: string;
  capEff: bigint;
  capPrm: bigint;
  capBnd: bigint;
  /** The host clocks around t0's creation (the "ready" line). */
  born?: { before: HostClocks; after: HostClocks };
}

function keyValues(tokens: string[]): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const t of tokens) {
    const eq = t.indexOf('=');
    if (eq > 0) kv[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return kv;
}

export function parseEnv(line: string): EnvReport {
  const kv = keyValues(line.split(' ').slice(1));
  const capEff = BigInt('0x' + kv.capeff), capPrm = BigInt('0x' + kv.capprm), capBnd = BigInt('0x' + kv.capbnd);
  const all = capEff & capPrm & capBnd;
  const caps: CapName[] = CAP_NAMES.filter((c) => (all >> BigInt(CAPS[c])) & 1n);
  return {
    env: {
      caps,
      uid: Number(kv.uid),
      rtc: kv.rtc === '1',
      maxTimeNamespaces: Number(kv.maxtime),
      tickNs: BigInt(kv.tick),
      ...(kv.userns === '1' ? { userNamespace: { gid: Number(kv.gid), parentCouldSetfcap: kv.setfcap === '1' } } : {}),
    },
    initialTimeNs: Number(kv.time),
    initialUserNs: Number(kv.user),
    release: kv.release ?? '',
    capEff, capPrm, capBnd,
  };
}

export function parseClocks(text: string): HostClocks {
  const [realtime, monotonic, monotonicRaw, boottime, tai, realtimeCoarse, monotonicCoarse, idle, clockTicks] = text.split(' ').map(BigInt);
  return {
    realtime, monotonic, monotonicRaw, boottime, tai, realtimeCoarse, monotonicCoarse, idle,
    cputime: 0n,
    bootRealtime: realtime - boottime,
    clockTicks: clockTicks ?? 0n,
  };
}

const ERRNO_NAMES = new Map<number, Errno>(Object.entries(ERRNOS).map(([k, v]) => [v, k as Errno]));

export function errnoName(n: number): Errno {
  const name = ERRNO_NAMES.get(n);
  if (!name) throw new Error(`the kernel returned errno ${n}, which the vocabulary has no name for`);
  return name;
}

function unhex(s: string): string {
  return Buffer.from(s, 'hex').toString('latin1');
}
/** A text as the bytes a program writes: UTF-8, as the model counts them. */
function hex(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

/** A raw outcome: "ok <ret> k=v..", "err <n> [k=v..]", "blocked", "pending", "refused <hex>", "died [sig]",
 *  "unresolved" (an observed value the step uses was not there: the executor did not make it). */
export interface RawOutcome {
  kind: 'ok' | 'err' | 'blocked' | 'pending' | 'refused' | 'died' | 'unresolved';
  ret: number;
  errno: number;
  kv: Record<string, string>;
  reason: string;
  signal: number;
}

export function parseOutcome(text: string): RawOutcome {
  const tokens = text.split(' ');
  const kind = tokens[0] as RawOutcome['kind'];
  const out: RawOutcome = { kind, ret: 0, errno: 0, kv: {}, reason: '', signal: 0 };
  if (kind === 'ok') {
    out.ret = Number(tokens[1]);
    out.kv = keyValues(tokens.slice(2));
  } else if (kind === 'err') {
    out.errno = Number(tokens[1]);
    out.kv = keyValues(tokens.slice(2));
  } else if (kind === 'refused') out.reason = unhex(tokens[1] ?? '');
  else if (kind === 'died') out.signal = Number(tokens[1] ?? 0);
  else if (kind !== 'blocked' && kind !== 'pending' && kind !== 'unresolved') throw new Error(`unexpected executor reply: ${text}`);
  return out;
}

/** "sec.nsec" as nanoseconds. */
function timespecNanos(v: string): string {
  const [sec, nsec] = v.split('.');
  return (BigInt(sec) * 1_000_000_000n + BigInt(nsec)).toString();
}

// ---- Translating steps ------------------------------------------------------------------------------

const THREAD_FLAGS = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000; // VM FS FILES SIGHAND THREAD SYSVSEM
const VFORK_FLAGS = 0x100 | 0x4000;

function flagBits(flags: CloneFlagName[]): number {
  return flags.reduce((acc, f) => acc | CLONE_FLAGS[f], 0);
}

function clockId(c: ClockRef): number {
  return typeof c === 'number' ? c : CLOCKS[c];
}

/** Names → numbers for one program. */
export class HandleTable {
  readonly tasks = new Map<string, number>([['t0', 0]]);
  readonly fds = new Map<string, number>();
  /** POSIX timer handles → the numbers the executor keeps their kernel ids under (and si_value). */
  readonly timers = new Map<string, number>();
  /** fd handles a timerfd_create binds: `read` of one is read(fd, buf, 8), which may block. */
  readonly timerfds = new Set<string>();
  /** Step labels, for observed values that name their step by label. */
  readonly labels: Map<string, number>;

  constructor(program: Program) {
    this.labels = stepLabels(program.steps);
    for (const step of program.steps) {
      if (isHostEvent(step)) {
        if (step.host === 'signal') this.task(step.task);
        continue;
      }
      if (step.call === 'timerfd_create') this.timerfds.add(step.fd);
      for (const [key, value] of Object.entries(step)) {
        if (typeof value !== 'string') continue;
        if (/^t\d+$/.test(value) && (key === 'task' || key === 'child' || key === 'target')) this.task(value);
        if (/^f\d+$/.test(value) && (key === 'fd' || key === 'result')) this.fd(value);
        if (key === 'timer') this.timer(value);
      }
    }
  }
  timer(h: string): number {
    if (!this.timers.has(h)) this.timers.set(h, this.timers.size);
    return this.timers.get(h)!;
  }
  timerName(n: number): string {
    for (const [h, i] of this.timers) if (i === n) return h;
    return `k?${n}`;
  }
  taskName(n: number): string {
    for (const [h, i] of this.tasks) if (i === n) return h;
    throw new Error(`the executor named task ${n}, which no handle has`);
  }
  task(h: string): number {
    if (!this.tasks.has(h)) this.tasks.set(h, this.tasks.size);
    return this.tasks.get(h)!;
  }
  fd(h: string): number {
    if (!this.fds.has(h)) {
      const n = FD_HANDLE_BASE + this.fds.size;
      if (n > FD_HANDLE_MAX) throw new Error('too many fd handles for the kernel backend');
      this.fds.set(h, n);
    }
    return this.fds.get(h)!;
  }
}

const OPEN_MODES = { r: 0, w: 1, rw: 2 } as const;

/** Why a step cannot run on a real machine, or null: host events only the simulated host can make. */
export function notOnKernel(step: ProgramStep): string | null {
  if (!isHostEvent(step)) return null;
  if (step.host === 'suspend') return 'a "suspend" host event: a real machine cannot be suspended by a test';
  if (step.host === 'settime') return 'a "settime" host event: the clock of a real machine is never set by a test';
  return null;
}

/** The executor line for one step. */
export function stepLine(step: ProgramStep, h: HandleTable): string {
  if (isHostEvent(step)) {
    if (step.host === 'signal') return `signal ${h.task(step.task)} ${step.handler ? 1 : 0}`;
    if (step.host !== 'advance') throw new Error(`${notOnKernel(step)}; kernel programs never contain one`);
    const ns = BigInt(step.ns);
    return `advance ${ns < 0n ? 0n : ns > ADVANCE_CAP_NS ? ADVANCE_CAP_NS : ns}`;
  }
  const s = step as ProgramTaskStep;
  const t = h.task(s.task);
  const spec = (v: Timespec | Observed) => timespecToken(v, h);
  switch (s.call) {
    case 'fork': return `${t} clone ${h.task(s.child)} 0`;
    case 'vfork': return `${t} clone ${h.task(s.child)} ${VFORK_FLAGS.toString(16)}`;
    case 'thread': return `${t} clone ${h.task(s.child)} ${THREAD_FLAGS.toString(16)}`;
    case 'clone3': {
      let bits = flagBits(s.flags);
      if (bits & CLONE_FLAGS.CLONE_THREAD) bits |= CLONE_FLAGS.CLONE_SIGHAND | CLONE_FLAGS.CLONE_FILES | CLONE_FLAGS.CLONE_FS;
      return `${t} clone ${h.task(s.child)} ${bits.toString(16)}`;
    }
    case 'clone': {
      // The legacy clone's one word: flags, and the exit signal in the low byte.
      let bits = flagBits(s.flags);
      if (bits & CLONE_FLAGS.CLONE_THREAD) bits |= CLONE_FLAGS.CLONE_SIGHAND | CLONE_FLAGS.CLONE_FILES | CLONE_FLAGS.CLONE_FS;
      return `${t} lclone ${h.task(s.child)} ${((bits | s.exitSignal) >>> 0).toString(16)}`;
    }
    case 'exec': return `${t} exec ${s.fail ? 1 : 0}`;
    case 'exit': return `${t} exit ${s.code ?? 0}`;
    case 'exit_group': return `${t} exit_group ${s.code ?? 0}`;
    case 'wait': {
      const options = (s.options ?? ['__WALL']).reduce((m, o) => (m | WAIT_OPTIONS[o]) >>> 0, 0);
      return `${t} wait ${h.task(s.child)} ${options.toString(16)} ${s.syscall === 'waitid' ? 1 : 0}`;
    }
    case 'unshare': return `${t} unshare ${flagBits(s.flags).toString(16)}`;
    case 'setns': return `${t} setns ${h.fd(s.fd)} ${flagBits(s.nstype).toString(16)}`;
    case 'open': return `${t} open ${h.task(s.target)} ${s.file} ${OPEN_MODES[s.mode]} ${h.fd(s.fd)}`;
    case 'pidfd_open': return `${t} pidfd_open ${h.task(s.target)} ${h.fd(s.fd)}`;
    case 'close': return `${t} close ${h.fd(s.fd)}`;
    case 'read':
      if (h.timerfds.has(s.fd)) return `${t} tread ${h.fd(s.fd)}`;
      return `${t} read ${h.fd(s.fd)} ${s.count ?? 4096} ${s.pos === 'current' ? -1 : s.pos ?? 0}`;
    case 'write': return `${t} write ${h.fd(s.fd)} ${textToken(s.text, h)}${s.pos === undefined ? '' : ` ${s.pos}`}`;
    case 'lseek': return `${t} lseek ${h.fd(s.fd)} ${s.offset} ${SEEK_WHENCE[s.whence]}`;
    case 'ioctl': return `${t} ioctl ${h.fd(s.fd)} ${NS_IOCTLS[s.request]} ${s.result ? h.fd(s.result) : -1}`;
    case 'readlink': return `${t} readlink ${h.task(s.target)} ns/${s.link}`;
    case 'clock_gettime': return `${t} gettime ${clockId(s.clock)} ${s.vdso ? 1 : 0}`;
    case 'clock_getres': return `${t} getres ${clockId(s.clock)} ${s.vdso ? 1 : 0}`;
    case 'prctl': return `${t} prctl ${s.option === 'PR_GET_DUMPABLE' ? 3 : 4} ${s.option === 'PR_SET_DUMPABLE' ? s.arg : 0}`;
    case 'gettimeofday': case 'time': return `${t} ${s.call} ${s.vdso ? 1 : 0}`;
    case 'clock_settime': return `${t} settime ${clockId(s.clock)} ${BigInt(s.sec)} ${s.nsec}`;
    case 'read_uptime': return `${t} uptime`;
    case 'sysinfo': return `${t} sysinfo`;
    case 'read_btime': return `${t} btime`;
    case 'read_starttime': return `${t} starttime ${h.task(s.target)}`;
    case 'times': return `${t} times`;
    case 'setuid': return `${t} setuid ${s.uid}`;
    case 'drop_caps': return `${t} dropcaps ${s.caps.reduce((m, c) => m | (1n << BigInt(CAPS[c])), 0n).toString(16)}`;
    case 'map_root': return `${t} maproot`;
    case 'sysctl_read': return `${t} sysctl_read`;
    case 'sysctl_write': return `${t} sysctl_write ${s.value}`;
    case 'timer_create': return `${t} timer_create ${clockId(s.clock)} ${s.notify === 'signal' ? 1 : 0} ${h.timer(s.timer)}`;
    case 'timer_settime': return `${t} timer_settime ${h.timer(s.timer)} ${s.abs ? 1 : 0} ${spec(s.value)} ${spec(s.interval)}`;
    case 'timer_gettime': case 'timer_getoverrun': case 'timer_delete': return `${t} ${s.call} ${h.timer(s.timer)}`;
    case 'sigwait': return `${t} sigwait`;
    case 'timerfd_create': return `${t} timerfd_create ${clockId(s.clock)} ${s.nonblock ? 1 : 0} ${h.fd(s.fd)}`;
    case 'timerfd_settime':
      return `${t} timerfd_settime ${h.fd(s.fd)} ${(s.abs ? 1 : 0) | (s.cancelOnSet ? 2 : 0)} ${spec(s.value)} ${spec(s.interval)}`;
    case 'timerfd_gettime': return `${t} timerfd_gettime ${h.fd(s.fd)}`;
    case 'clock_nanosleep': return `${t} nsleep ${clockId(s.clock)} ${s.abs ? 1 : 0} ${spec(s.value)}`;
    case 'nanosleep': return `${t} nanosleep ${spec(s.value)}`;
    case 'futex_wait': return `${t} futex ${s.realtime ? 1 : 0} ${spec(s.value)}`;
  }
}

/** An observed value as the executor takes it: "@<step>:<v|i>:<negate 0|1>:<delta>", v for a time or a
 *  remaining time, i for an interval. The executor fills it in from its own reply to that step. */
function observedToken(o: Observed, h: HandleTable): string {
  const index = observedIndex(o, h.labels);
  if (index === undefined) throw new Error(`no step is labelled ${JSON.stringify(o.from)}`);
  return `@${index}:${o.field === 'itimer.interval' ? 'i' : 'v'}:${o.negate ? 1 : 0}:${BigInt(o.delta)}`;
}

/** A timespec as two executor tokens (seconds, nanoseconds), passed as the program says them; an observed
 *  one as one token, which the executor makes two. */
function timespecToken(v: Timespec | Observed, h: HandleTable): string {
  return isObserved(v) ? observedToken(v, h) : `${BigInt(v.sec)} ${v.nsec}`;
}

/** A write's text: "x<hex>"; with observed parts "&" and the parts joined by ",", each "x<hex>" or an
 *  observed token, which the executor writes "sec nsec". */
function textToken(text: string | TextPart[], h: HandleTable): string {
  if (typeof text === 'string') return `x${hex(text)}`;
  return `&${text.map((p) => (typeof p === 'string' ? `x${hex(p)}` : observedToken(p, h))).join(',')}`;
}

/** A relative sleep: its EINTR carries what was left. */
function relativeSleep(step: ProgramTaskStep): boolean {
  return step.call === 'nanosleep' || (step.call === 'clock_nanosleep' && !step.abs);
}

/** What a call that may block returned, whether at once or as a completion. */
function blockingOutcome(step: ProgramTaskStep, raw: RawOutcome): Omit<Completion, 'task' | 'call'> {
  if (raw.kind === 'err') {
    const err = errnoName(raw.errno);
    return err === 'EINTR' && relativeSleep(step) && raw.kv.v ? { err, time: timespecNanos(raw.kv.v) } : { err };
  }
  if (step.call === 'read') return { ret: raw.ret, value: raw.kv.v };
  return { ret: raw.ret };
}

function itimerOf(kv: Record<string, string>): { value: string; interval: string } {
  return { value: timespecNanos(kv.v), interval: timespecNanos(kv.i) };
}

/** The Observation of one step, from the executor's raw outcome. */
export function observation(step: ProgramStep, raw: RawOutcome, h?: HandleTable): Observation | Refused | Odd {
  if (raw.kind === 'refused') return { refused: raw.reason };
  if (raw.kind === 'died') return { died: raw.signal };
  if (raw.kind === 'err' && !ERRNO_NAMES.has(raw.errno)) return { unknownErrno: raw.errno };
  if (raw.kind === 'blocked') return { blocked: true };
  if (raw.kind === 'pending') return { pending: true };
  if (raw.kind === 'unresolved') return { unresolved: true };
  if (!isHostEvent(step) && isBlockingCall(step, h)) return blockingOutcome(step, raw);
  if (raw.kind === 'err') return { err: errnoName(raw.errno) };
  if (isHostEvent(step)) return { ret: 0 };
  const kv = raw.kv;
  switch (step.call) {
    case 'fork': case 'vfork': case 'thread': case 'clone3': case 'clone':
      return { ret: 0, handle: step.child };
    case 'open': case 'pidfd_open':
      return { ret: 0, handle: step.fd };
    case 'ioctl':
      if (step.request === 'NS_GET_USERNS' || step.request === 'NS_GET_PARENT') return step.result ? { ret: 0, handle: step.result } : { ret: 0 };
      if (step.request === 'NS_GET_OWNER_UID') return { ret: 0, uid: Number(kv.u) };
      return { ret: raw.ret };
    case 'read': case 'read_uptime':
      return { ret: raw.ret, text: unhex(kv.t ?? '') };
    case 'write': case 'lseek': case 'prctl':
      return { ret: raw.ret };
    case 'readlink':
      return { ret: raw.ret, link: unhex(kv.l ?? '') };
    case 'clock_gettime': case 'clock_getres': case 'gettimeofday': case 'time':
      return { ret: 0, time: timespecNanos(kv.v) };
    case 'sysinfo': case 'read_btime': case 'sysctl_read': case 'read_starttime':
      return { ret: 0, value: kv.v };
    case 'times':
      return { ret: Number(kv.r), tms: { utime: Number(kv.u), stime: Number(kv.s), cutime: Number(kv.cu), cstime: Number(kv.cs) } };
    case 'wait':
      return raw.ret > 0 ? { ret: 1, status: Number(kv.s) } : { ret: 0 };
    case 'timer_settime': case 'timer_gettime': case 'timerfd_settime': case 'timerfd_gettime':
      return { ret: 0, itimer: itimerOf(kv) };
    case 'timer_create': return { ret: 0, handle: step.timer };
    case 'timerfd_create': return { ret: 0, handle: step.fd };
    case 'timer_getoverrun': return { ret: raw.ret };
    case 'sigwait':
      return { ret: raw.ret, handle: h ? h.timerName(Number(kv.h)) : `k?${kv.h}`, overrun: Number(kv.o) };
    default:
      return { ret: 0 };
  }
}

/** Whether the step is a call that may block (sleeps, futex waits, reads of a timerfd). */
function isBlockingCall(step: ProgramTaskStep, h?: HandleTable): boolean {
  return step.call === 'clock_nanosleep' || step.call === 'nanosleep' || step.call === 'futex_wait'
    || (step.call === 'read' && (h?.timerfds.has(step.fd) ?? false));
}

/** The completions field of a reply line: "<task>:<reply>" joined by '|', each for the oldest call its
 * task was left pending in (a call that ended at the start of a step, before its task made the step's
 * own call, which may be pending too). */
function parseCompletions(text: string | undefined, h: HandleTable, pendingCall: Map<number, ProgramTaskStep[]>): Completion[] {
  if (!text) return [];
  return text.split('|').map((entry) => {
    const colon = entry.indexOf(':');
    const idx = Number(entry.slice(0, colon));
    const call = pendingCall.get(idx)?.shift();
    if (!call) throw new Error(`the executor completed a call of task ${idx}, which has none pending`);
    return { task: h.taskName(idx), call: call.call, ...blockingOutcome(call, parseOutcome(entry.slice(colon + 1))) };
  });
}

// ---- Running a program ---------------------------------------------------------------------------------

export interface RunOptions extends ExecutorMode {
  timeoutMs?: number;
  /** The executors to run on (default: the one shared lane, one program at a time). */
  lane?: ExecutorLane;
}

/**
 * Where programs run: the executors kept between programs (one as this process is, one as NOBODY),
 * each replaced when it died, timed out or a run failed, and the queue that runs programs one at a
 * time on them. Every run uses the default lane unless given another (RunOptions.lane); programs on
 * different lanes run at the same time on different executors (kernel/pool.ts).
 */
export class ExecutorLane {
  readonly sessions = new Map<string, ExecutorSession>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Seconds this lane spent running programs (from sending one to its last reply). */
  busySeconds = 0;
  /** cpu: where this lane's executors are pinned (ExecutorMode.cpu); by default where each starts. */
  constructor(readonly cpu?: number) {}

  serialized<T>(f: () => Promise<T>): Promise<T> {
    const timed = async () => {
      const started = process.hrtime.bigint();
      try {
        return await f();
      } finally {
        this.busySeconds += Number(process.hrtime.bigint() - started) / 1e9;
      }
    };
    const next = this.queue.then(timed, timed);
    this.queue = next.catch(() => {});
    return next;
  }

  /** CPU time of this lane's live executors and of every task of theirs reaped so far, in seconds
   *  (each executor reaps every process of a program before the next starts). */
  cpuSeconds(): number {
    let ticks = 0;
    for (const s of this.sessions.values()) {
      if (!s.alive || s.pid === undefined) continue;
      try {
        const stat = readFileSync(`/proc/${s.pid}/stat`, 'utf8');
        // utime, stime, cutime, cstime: fields 14-17, the 12th-15th after the parenthesised comm.
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      } catch {
        // It ended meanwhile.
      }
    }
    return ticks / CLOCK_TICKS;
  }

  /** Kills this lane's executors (after the programs queued on it). */
  close(): Promise<void> {
    return this.serialized(async () => {
      for (const s of this.sessions.values()) await s.close();
      this.sessions.clear();
    });
  }
}

const defaultLane = new ExecutorLane();

/** Runs f on a program of taskCount tasks on the shared executor; on any failure the executor
 * and every task are killed, and the next program starts a new one. */
function withProgram<T>(
  taskCount: number, timeoutMs: number, f: (session: ExecutorSession, report: EnvReport) => Promise<T>, steps?: string[],
  mode: ExecutorMode = {}, lane: ExecutorLane = defaultLane,
): Promise<T> {
  const key = modeKey(mode);
  const shared = lane.sessions;
  return lane.serialized(async () => {
    if (!shared.get(key)?.alive) shared.set(key, new ExecutorSession({ ...mode, cpu: lane.cpu ?? mode.cpu }));
    const session = shared.get(key)!;
    try {
      const report = await session.begin(taskCount, timeoutMs, steps ? [...steps, 'end'] : []);
      const result = await f(session, report);
      await session.end(steps !== undefined);
      return result;
    } catch (e) {
      if (shared.get(key) === session) shared.delete(key);
      await session.close();
      throw e;
    }
  });
}

/** The host clocks last read by an executor, and when (process.hrtime) this process received them. */
let lastClocks: { clocks: HostClocks; at: bigint } | undefined;

function noteHostClocks(clocks: HostClocks): void {
  lastClocks = { clocks, at: process.hrtime.bigint() };
}

/**
 * An estimate of the host clocks now: the last ones an executor read, moved on by the time this process
 * has seen pass since (no suspend happens in between). Null before any program ran. Generation uses it
 * to aim absolute timer targets near the machine's present.
 */
export function hostClocksEstimate(): HostClocks | null {
  if (!lastClocks) return null;
  const d = process.hrtime.bigint() - lastClocks.at;
  const c = lastClocks.clocks;
  return {
    ...c,
    realtime: c.realtime + d, monotonic: c.monotonic + d, monotonicRaw: c.monotonicRaw + d, boottime: c.boottime + d,
    tai: c.tai + d, realtimeCoarse: c.realtimeCoarse + d, monotonicCoarse: c.monotonicCoarse + d,
  };
}

/**
 * BOOTTIME runs ahead of MONOTONIC by the time the machine has slept, which no program changes (it never
 * suspends the machine). The executor reads MONOTONIC and BOOTTIME one after the other, so each bracket
 * shows that difference plus the delay between the two reads, different every time; the model takes a
 * growth of it for a suspend and resume, which cancels cancel-on-set timerfds. Every bracket is given
 * the least difference seen in the run (the true one plus the shortest delay). A kernel BOOTTIME read
 * during a step still lies between the step's brackets: after `before`'s MONOTONIC read at least
 * `before`'s own delay passed, which is no shorter than the least one, and `after`'s MONOTONIC read
 * came after the step.
 */
function sameSleep(steps: KernelStep[], born?: KernelRun['born']): void {
  let slept: bigint | undefined;
  const all = born ? [{ obs: {}, ...born }, ...steps] : steps;
  for (const s of all) for (const c of [s.before, s.after]) if (slept === undefined || c.boottime - c.monotonic < slept) slept = c.boottime - c.monotonic;
  if (slept === undefined) return;
  for (const s of all) {
    for (const c of [s.before, s.after]) {
      c.boottime = c.monotonic + slept;
      c.bootRealtime = c.realtime - c.boottime;
    }
  }
}

/** The environment with t0's start time: the earliest its bracket allows (the judge takes both ends). */
function withStart(report: EnvReport): Environment {
  return report.born ? { ...report.env, startBoottime: report.born.before.boottime } : report.env;
}

export async function runOnKernel(program: Program, options: RunOptions = {}): Promise<KernelRun> {
  const handles = new HandleTable(program);
  // A step that cannot run on a real machine is refused before anything runs.
  const lines = program.steps.map((s, i) => {
    const off = notOnKernel(s);
    if (off) throw new Error(`steps[${i}] is ${off}`);
    return stepLine(s, handles);
  });
  // The executor runs steps strictly one after another and brackets each with its own clock reads,
  // so the whole program, up to its "end", is queued at once: no round trip to this process between
  // steps, nor between programs' start, steps and end.
  let hung: { report: EnvReport; steps: KernelStep[] } | undefined;
  try {
    return await withProgram(handles.tasks.size, options.timeoutMs ?? 10_000, async (session, report) => {
    const steps: KernelStep[] = [];
    const pendingCall = new Map<number, ProgramTaskStep[]>();
    for (const i of lines.keys()) {
      let line: string;
      try {
        line = await session.read();
      } catch (e) {
        // The step ran past the program's time limit (this process's timer or the executor's alarm):
        // an observation of that step, {hung: true}, and the run ends there.
        if (!session.hasTimedOut && !/executor time limit/.test((e as Error).message)) throw e;
        const last = steps.length > 0 ? steps[steps.length - 1].after : undefined;
        steps.push({ obs: { hung: true }, before: last ?? parseClocks('0 0 0 0 0 0 0 0 0'), after: last ?? parseClocks('0 0 0 0 0 0 0 0 0') });
        hung = { report, steps };
        throw e;
      }
      const [outcome, before, after, done] = line.split('\t');
      const step = program.steps[i];
      const raw = parseOutcome(outcome);
      // A call may be declared pending and end before the same step's closing clock read: register it
      // first, so its reply can be among this step's completions.
      if (raw.kind === 'pending' && !isHostEvent(step)) {
        const t = handles.task(step.task);
        pendingCall.set(t, [...(pendingCall.get(t) ?? []), step]);
      }
      const completions = parseCompletions(done, handles, pendingCall);
      const obs = observation(step, raw, handles);
      const withCompletions = completions.length > 0 ? { ...obs, completions } : obs;
      steps.push({ obs: withCompletions, before: parseClocks(before), after: parseClocks(after) });
      noteHostClocks(steps[steps.length - 1].after);
    }
    sameSleep(steps, report.born);
    return { env: withStart(report), initialTimeNs: report.initialTimeNs, initialUserNs: report.initialUserNs, release: report.release, born: report.born, steps };
    }, lines, { ...options, unprivileged: options.unprivileged ?? program.env.start === 'user-namespace' }, options.lane);
  } catch (e) {
    if (!hung) throw e;
    const { report, steps } = hung;
    sameSleep(steps.slice(0, -1), report.born);
    return { env: withStart(report), initialTimeNs: report.initialTimeNs, initialUserNs: report.initialUserNs, release: report.release, born: report.born, steps };
  }
}

/**
 * Lets the seccomp wall meet a forbidden syscall that no guard stands in front of: t0 calls it
 * directly ("settime": clock_settime(CLOCK_REALTIME, now); "settimeofday", "adjtimex",
 * "clock_adjtime" with arguments that change nothing). The task must die by SIGSYS.
 */
export async function probeSeccompWall(
  probe: 'settime' | 'settimeofday' | 'adjtimex' | 'clock_adjtime', mode: ExecutorMode = {},
): Promise<RawOutcome> {
  return withProgram(1, 10_000, async (session) => {
    const [outcome] = (await session.request(`0 debug ${probe}`)).split('\t');
    return parseOutcome(outcome);
  }, undefined, mode);
}
