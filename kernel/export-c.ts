// A program as one self-contained C file that replays it on Linux and checks every step against the
// model, as a syzkaller C reproducer does: the executor's own sources (executor.c, worker.c) run the
// steps exactly as the kernel backend does, and repro-main.c compares each reply with the expectation
// made here from the model's observation (its format is described at the top of repro-main.c).
//
// The model runs before the export, on the machine's environment (read from the executor when the
// kernel can be used here, else the program's own) and from the machine's clocks of the moment, with
// `advance` capped as the executor caps it. Real time only runs ahead of that simulation, so a clock
// reading is checked against the step's own bracket plus the model's offset, and a remaining time
// against [0, the model's]. What timing alone decides (overruns, expirations, blocking calls, and steps
// of a task with a call open) is printed where it differs, not judged. Per call, the table CHECKS says
// how a model observation becomes a check; a call missing from it gets the generic one (outcome and
// return value exactly, data fields shown only).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { advanceHost } from '../harness/run.ts';
import type { HostState } from '../harness/host.ts';
import { hostFromSeed } from '../harness/host.ts';
import { resolveEnv } from '../harness/run.ts';
import { CLOCKS, ERRNOS, NOT_MADE, PROC_TIME_INIT_INO, PROC_USER_INIT_INO, Resolver, isHostEvent, unresolvedObservation } from '../vocab/index.ts';
import type { BackendFactory, ClockRef, Environment, HostClocks, Observation, Program, Step, TaskStep } from '../vocab/index.ts';
import { ADVANCE_CAP_NS, HandleTable, kernelAvailable, notOnKernel, runOnKernel, stepLine } from './driver.ts';

const KERNEL_DIR = dirname(fileURLToPath(import.meta.url));

/** How long one step may take before the reproducer calls it hung. */
export const STEP_LIMIT_S = 5;

/** One step's check, as repro-main.c's struct expect holds it. */
export interface Expect {
  line: string;
  show: string;
  model: string;
  kind: 'ok' | 'err' | 'pending' | 'blocked' | 'unresolved';
  ret: string;
  checks: string;
  loose: boolean;
}

/** Where a reproducer's expectations come from: the machine's environment and clocks, when known. */
export interface Machine {
  env: Environment;
  clocks?: HostClocks;
}

// ---- The host clocks of a bracket, by index in the executor's line (repro-main.c) -------------------------

const HOST_FIELDS = ['realtime', 'monotonic', 'monotonicRaw', 'boottime', 'tai', 'realtimeCoarse', 'monotonicCoarse', 'idle', 'clockTicks'] as const;
const CLOCK_TICKS = 8;
const BOOT_REALTIME = 9;

/** The bracket clock a clock id reads, or undefined (CPU-time clocks, ids the model refuses). */
const CLOCK_FIELD = new Map<number, number>([
  [CLOCKS.CLOCK_REALTIME, 0], [CLOCKS.CLOCK_MONOTONIC, 1], [CLOCKS.CLOCK_MONOTONIC_RAW, 2], [CLOCKS.CLOCK_BOOTTIME, 3],
  [CLOCKS.CLOCK_TAI, 4], [CLOCKS.CLOCK_REALTIME_COARSE, 5], [CLOCKS.CLOCK_MONOTONIC_COARSE, 6],
  [CLOCKS.CLOCK_REALTIME_ALARM, 0], [CLOCKS.CLOCK_BOOTTIME_ALARM, 3],
]);

function clockId(c: ClockRef): number {
  return typeof c === 'number' ? c : CLOCKS[c];
}

function hostValue(c: HostClocks, field: number): bigint {
  return field === BOOT_REALTIME ? c.realtime - c.boottime : c[HOST_FIELDS[field]];
}

/** A HostState standing at the given clocks (the machine's, read just before the export). */
function hostAt(c: HostClocks, tickNs: bigint): HostState {
  return {
    monotonic: c.monotonic, slept: c.boottime - c.monotonic, bootRealtime: c.realtime - c.boottime,
    rawLag: c.monotonic - c.monotonicRaw, idle: c.idle, cputime: 0n, tickNs,
  };
}

/** The model's view of namespace inodes, labelled by first appearance as the judge labels them. */
class Labels {
  private readonly map = new Map<string, string>([[String(PROC_TIME_INIT_INO), 'init'], [String(PROC_USER_INIT_INO), 'init-user']]);
  apply(link: string): string {
    return link.replace(/\[(\d+)\]/, (_, n: string) => {
      if (!this.map.has(n)) this.map.set(n, `#${this.map.size - 2}`);
      return `[${this.map.get(n)}]`;
    });
  }
}

// ---- From observation to check, per call ----------------------------------------------------------------

interface Context {
  clocks: HostClocks;
  labels: Labels;
  /** Timer and timerfd handles last armed with an absolute time. */
  absolute: Set<string>;
  /** Offsets were written from an observed value: the reproducer's differ from the model's by the
   *  difference of their readings, so shifted readings are shown, not judged, from then on. */
  observedOffsets?: boolean;
}

interface Check {
  ret?: string;
  checks?: string[];
  loose?: boolean;
}

type CheckOf = (step: TaskStep, obs: Observation, ctx: Context) => Check;

const hexOf = (s: string) => Buffer.from(s, 'latin1').toString('hex');
const ns = (v: string | undefined) => BigInt(v ?? '0');

/** A remaining time: real time only runs ahead of the model's, so at most the model's (or, for a
 *  periodic timer, its interval); an absolute arming depends on when the program runs. */
const itimer: CheckOf = (step, obs, ctx) => {
  const handle = 'timer' in step ? step.timer : 'fd' in step ? step.fd : '';
  const value = ns(obs.itimer?.value), interval = ns(obs.itimer?.interval);
  const wasAbsolute = ctx.absolute.has(handle);
  if (step.call === 'timer_settime' || step.call === 'timerfd_settime') {
    if (step.abs) ctx.absolute.add(handle);
    else ctx.absolute.delete(handle);
  }
  const top = value > interval ? value : interval;
  return { ret: '=0', checks: [`v=D0:${top}`, `i=D${interval}:${interval}`], loose: wasAbsolute };
};

const clockReading: CheckOf = (step, obs, ctx) => {
  if (step.call !== 'clock_gettime' && step.call !== 'clock_getres') return {};
  const t = ns(obs.time);
  if (step.call === 'clock_getres') return { ret: '=0', checks: [`v=D${t}:${t}`] };
  const field = CLOCK_FIELD.get(clockId(step.clock));
  if (field === undefined) return { ret: '=0', checks: ['v=G'] };
  const delta = t - hostValue(ctx.clocks, field);
  return { ret: '=0', checks: [`v=T${field}:${delta}:${delta}`] };
};

/** Seconds shifted from a host quantity (sysinfo's uptime, /proc/stat's btime). */
const seconds = (field: number): CheckOf => (_step, obs, ctx) => {
  // A btime before the epoch is shown as the kernel prints it, an unsigned 64-bit number.
  const raw = ns(obs.value), value = raw >= 1n << 63n ? raw - (1n << 64n) : raw;
  const delta = value * 1_000_000_000n - hostValue(ctx.clocks, field);
  return { ret: '=0', checks: [`v=S${field}:${delta}:${delta}`] };
};

const handleRet: CheckOf = () => ({ ret: '*' });
const timing: CheckOf = () => ({ ret: '*', loose: true });

export const CHECKS: Partial<Record<TaskStep['call'], CheckOf>> = {
  fork: handleRet, vfork: handleRet, thread: handleRet, clone3: handleRet,
  open: handleRet, pidfd_open: handleRet, timer_create: handleRet, timerfd_create: handleRet,
  wait: (_s, obs) => ({ ret: obs.ret === 0 ? '=0' : '+' }),
  ioctl: (call, obs) => {
    const step = call as Extract<TaskStep, { call: 'ioctl' }>;
    if (step.request === 'NS_GET_OWNER_UID') return { ret: '=0', checks: [`u==${obs.uid}`] };
    if (step.request === 'NS_GET_USERNS' || step.request === 'NS_GET_PARENT') return { ret: '*' };
    return {};
  },
  read: (step, obs, ctx) => {
    if (obs.text !== undefined) return { checks: [`t==${hexOf(obs.text)}`] };
    return timing(step, obs, ctx); // a timerfd's expirations
  },
  read_uptime: (_s, obs, ctx) => {
    const [whole, centis] = (obs.text ?? '0.00').split(/[ .]/);
    const uptime = BigInt(whole) * 1_000_000_000n + BigInt(centis) * 10_000_000n;
    const delta = uptime - ctx.clocks.boottime;
    return { ret: '*', checks: [`t=U3:${delta}:${delta + 10_000_000n}`] };
  },
  readlink: (_s, obs, ctx) => ({ ret: '*', checks: [`l=L${ctx.labels.apply(obs.link ?? '')}`] }),
  clock_gettime: clockReading, clock_getres: clockReading,
  sysinfo: seconds(3), read_btime: seconds(BOOT_REALTIME),
  // A start time depends on when its task was made here, which the model's clocks do not fix.
  read_starttime: (_s, obs) => ({ ret: '=0', checks: [`v==${obs.value}`], loose: true }),
  // The elapsed ticks within the step's bracket; struct tms is CPU time, shown only.
  times: (_s, obs, ctx) => {
    const delta = BigInt(obs.ret ?? 0) - ctx.clocks.clockTicks;
    return { ret: '=0', checks: [`r=K${CLOCK_TICKS}:${delta}:${delta}`] };
  },
  sysctl_read: (_s, obs) => ({ ret: '=0', checks: [`v==${obs.value}`] }),
  timer_settime: itimer, timer_gettime: itimer, timerfd_settime: itimer, timerfd_gettime: itimer,
  timer_getoverrun: timing, sigwait: timing,
  clock_nanosleep: timing, nanosleep: timing, futex_wait: timing,
};

/** Readings a namespace's offsets shift. */
const SHIFTED_READINGS = { has: (s: Step) => !isHostEvent(s) && ['clock_gettime', 'read_uptime', 'sysinfo', 'read_btime'].includes(s.call) };

/** Calls the model may leave pending: steps of their task meanwhile depend on when the call ends. */
const BLOCKING = new Set(['clock_nanosleep', 'nanosleep', 'futex_wait', 'read']);

function expectation(step: Step, obs: Observation, ctx: Context, open: Set<string>): Omit<Expect, 'line' | 'show' | 'model'> {
  if (obs.unresolved) return { kind: 'unresolved', ret: '*', checks: '', loose: false };
  if (isHostEvent(step)) return { kind: 'ok', ret: '=0', checks: '', loose: false };
  const busy = open.has(step.task);
  if (obs.pending) {
    open.add(step.task);
    return { kind: 'pending', ret: '*', checks: '', loose: true };
  }
  if (obs.blocked) return { kind: 'blocked', ret: '*', checks: '', loose: busy };
  if (obs.err !== undefined) {
    // A check of the same step keeps its context (an arming that failed arms nothing).
    return { kind: 'err', ret: `=${ERRNOS[obs.err]}`, checks: '', loose: busy || (BLOCKING.has(step.call) && CHECKS[step.call] === timing) };
  }
  const generic: CheckOf = () => ({});
  const check = (CHECKS[step.call] ?? generic)(step, obs, ctx);
  return {
    kind: 'ok', ret: check.ret ?? `=${obs.ret ?? 0}`, checks: (check.checks ?? []).join(' '), loose: busy || check.loose === true,
  };
}

/** The model's observations of a program at the machine's clocks, each made a check. */
export function expectations(program: Program, factory: BackendFactory, machine: Machine): Expect[] {
  const env = { ...machine.env, ...(program.kernel !== 'current' ? { kernel: program.kernel } : {}) };
  const side = factory(env);
  const host = machine.clocks ? hostAt(machine.clocks, env.tickNs) : hostFromSeed(program.env.seed, env.tickNs);
  const handles = new HandleTable(program);
  const labels = new Labels();
  const ctx: Context = { clocks: machine.clocks!, labels, absolute: new Set() };
  const open = new Set<string>();
  // Observed values are the model's own here; the reproducer fills in its own from its replies.
  const values = new Resolver(program.steps);
  return program.steps.map((step, index) => {
    // The executor waits at most ADVANCE_CAP_NS for an advance; so does the model here.
    const resolved = values.resolve(step, index);
    const run: Step = resolved === null ? NOT_MADE : isHostEvent(resolved) && resolved.host === 'advance' && BigInt(resolved.ns) > ADVANCE_CAP_NS
      ? { host: 'advance', ns: ADVANCE_CAP_NS.toString() } : resolved;
    ctx.clocks = advanceHost(host, run);
    const made = side.step(run, ctx.clocks);
    const obs = resolved === null ? unresolvedObservation(made) : made;
    values.saw(index, obs);
    for (const c of obs.completions ?? []) open.delete(c.task);
    const shown: Observation = obs.link !== undefined ? { ...obs } : obs;
    const e = expectation(run, obs, ctx, open);
    if (!isHostEvent(step) && step.call === 'write' && typeof step.text !== 'string' && e.kind === 'ok') {
      // Its length is that of the reproducer's own value's digits.
      e.ret = '+';
      ctx.observedOffsets = true;
    }
    if (ctx.observedOffsets && SHIFTED_READINGS.has(run)) e.loose = true;
    if (obs.link !== undefined) shown.link = labels.apply(obs.link);
    return { line: stepLine(step, handles), show: JSON.stringify(step), model: JSON.stringify(shown), ...e };
  });
}

// ---- The C file --------------------------------------------------------------------------------------------

/** A C string literal of any text. */
export function cString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (byte >= 0x20 && byte < 0x7f && ch !== '?') out += ch;
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

function source(file: string): string {
  return readFileSync(join(KERNEL_DIR, file), 'utf8');
}

/** The executor's sources as one translation unit: one _GNU_SOURCE, no local include, main renamed. */
function executorSources(): string {
  const header = source('executor.h');
  const strip = (s: string) => s.replace(/^#define _GNU_SOURCE\n/m, '').replace(/^#include "executor\.h"\n/m, '');
  const executor = strip(source('executor.c')).replace(/^int main\(int argc, char \*\*argv\)$/m, 'static int executor_main(int argc, char **argv)');
  if (!executor.includes('static int executor_main(')) throw new Error('kernel/executor.c has no main(int argc, char **argv) to rename');
  return [`/* ---- executor.h ---- */\n${header}`, `/* ---- executor.c ---- */\n${executor}`, `/* ---- worker.c ---- */\n${strip(source('worker.c'))}`].join('\n');
}

/** Why a program cannot be exported (a step no real machine can make), or null. */
export function notExportable(program: Program): string | null {
  for (const [i, s] of program.steps.entries()) {
    const off = notOnKernel(s);
    if (off) return `steps[${i}] is ${off}`;
  }
  return null;
}

export function exportC(program: Program, name: string, factory: BackendFactory, machine: Machine = { env: resolveEnv(program) }): string {
  const off = notExportable(program);
  if (off) throw new Error(off);
  const expect = expectations(program, factory, machine);
  const handles = new HandleTable(program);
  const env = machine.env;
  const rows = expect.map((e) =>
    `\t{ ${cString(e.line)},\n\t  ${cString(e.show)},\n\t  ${cString(e.model)},\n\t  "${e.kind}", "${e.ret}", ${cString(e.checks)}, ${e.loose ? 1 : 0} },`);
  return `/* A reproducer of the timens-harness program ${name}: replays it on this machine's Linux and checks
 * every step against the model's observation (made at export; see the struct expect notes below).
 *
 *     cc -O1 -static -fno-stack-protector -o repro ${name.replace(/\.json$/, '')}.c && sudo ./repro [--steps]
 *
 * Exit status: 0 every step as the model allows, 1 the first departure (printed), 2 this machine cannot
 * judge the program. The steps run exactly as the kernel backend runs them (the executor's own sources
 * follow), under its safety guard and seccomp wall: no host clock is ever set and the initial time
 * namespace's offsets are never written. Model observations were made for: uid=${env.uid} rtc=${env.rtc ? 1 : 0}
 * tick=${env.tickNs} max_time_namespaces=${env.maxTimeNamespaces}, kernel behaviour "${program.kernel}". */
#define _GNU_SOURCE
#pragma GCC optimize("no-stack-protector")
${executorSources()}

/* ---- the program and the model's expectations ---- */
struct expect {
	const char *line;   /* the executor's command */
	const char *show;   /* the step */
	const char *model;  /* the model's observation */
	const char *kind, *ret, *checks;
	int loose;
};
static const char program_name[] = ${cString(name)};
static const int program_tasks = ${handles.tasks.size};
static const int program_unprivileged = ${program.env.start === 'user-namespace' ? 1 : 0};
static const int program_step_limit_s = ${STEP_LIMIT_S};
static const int program_time_limit_s = ${STEP_LIMIT_S * (expect.length + 2)};
static const int program_env_uid = ${env.uid};
static const int program_env_rtc = ${env.rtc ? 1 : 0};
static const long long program_env_tick = ${env.tickNs};
static const long long program_env_maxtime = ${env.maxTimeNamespaces};
static const struct expect expect[] = {
${rows.join('\n')}
	{ 0 }
};
static const int nexpect = ${expect.length};

/* ---- repro-main.c ---- */
${source('repro-main.c')}`;
}

/** This machine as the executor reports it, with its clocks of the moment (one empty step run on the
 *  kernel), or null with the reason when the kernel cannot be used here. */
export async function thisMachine(program: Program): Promise<{ machine: Machine } | { reason: string }> {
  const unprivileged = program.env.start === 'user-namespace';
  const available = kernelAvailable({ unprivileged });
  if (!available.ok) return { reason: available.reason };
  const probe: Program = { format: 1, kernel: program.kernel, env: program.env, steps: [{ host: 'advance', ns: '0' }] };
  const run = await runOnKernel(probe, { unprivileged, timeoutMs: 10_000 });
  return { machine: { env: run.env, clocks: run.steps[0].after } };
}
