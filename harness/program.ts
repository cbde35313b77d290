// Reading a program: every field is checked, and a bad one is named with the reason, before anything runs.
import {
  CAP_NAMES, CLOCK_NAMES, CLONE3_PROGRAM_FLAGS, CLONE_EXIT_SIGNALS_IGNORED, CLONE_PROGRAM_FLAGS, HOST_EVENTS, NSIG, INT_MAX, KERNEL_BEHAVIOURS, NS_IOCTLS,
  OBSERVED_FIELDS, OBSERVED_FIELDS_OF, PROC_FILES, PROGRAM_FORMAT, SETNS_PROGRAM_FLAGS, TASK_CALLS, UNSHARE_PROGRAM_FLAGS, WAIT_PROGRAM_OPTIONS,
} from '../vocab/index.ts';
import type { Program, ProgramStep } from '../vocab/index.ts';

export class ProgramError extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
  }
}

type Check = (v: unknown, field: string) => void;

const fail = (field: string, reason: string): never => { throw new ProgramError(field, reason); };
const show = (v: unknown) => JSON.stringify(v) ?? String(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const oneOf = (allowed: readonly unknown[]): Check => (v, f) => {
  if (!allowed.includes(v)) fail(f, `expected one of ${allowed.map(show).join(', ')}, got ${show(v)}`);
};
const HANDLE_KIND = { t: 'task', f: 'fd', k: 'timer' } as const;
const handle = (prefix: 't' | 'f' | 'k'): Check => (v, f) => {
  if (typeof v !== 'string' || !new RegExp(`^${prefix}(0|[1-9][0-9]{0,5})$`).test(v))
    fail(f, `expected a ${HANDLE_KIND[prefix]} handle like "${prefix}3", got ${show(v)}`);
};
const int = (lo: number, hi: number): Check => (v, f) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(f, `expected an integer, got ${show(v)}`);
  if ((v as number) < lo || (v as number) > hi) fail(f, `${v} is out of range [${lo}, ${hi}]`);
};
const decimal = (lo: bigint, hi: bigint): Check => (v, f) => {
  if (typeof v !== 'string' || !/^-?(0|[1-9][0-9]*)$/.test(v)) fail(f, `expected a decimal integer string, got ${show(v)}`);
  const n = BigInt(v as string);
  if (n < lo || n > hi) fail(f, `${v} is out of range [${lo}, ${hi}]`);
};
const bool: Check = (v, f) => { if (typeof v !== 'boolean') fail(f, `expected true or false, got ${show(v)}`); };
const text: Check = (v, f) => {
  if (typeof v !== 'string') fail(f, `expected a string, got ${show(v)}`);
  if ((v as string).length > 4096) fail(f, `longer than 4096 characters`);
};
const flagList = (allowed: readonly string[]): Check => (v, f) => {
  if (!Array.isArray(v)) fail(f, `expected a list of flag names, got ${show(v)}`);
  (v as unknown[]).forEach((x, i) => oneOf(allowed)(x, `${f}[${i}]`));
  if (new Set(v as unknown[]).size !== (v as unknown[]).length) fail(f, 'a flag is repeated');
};
const capList: Check = flagList(CAP_NAMES);
/** The legacy clone's exit signal: a byte whose delivery changes nothing the model describes. */
const exitSignal: Check = (v, f) => {
  int(0, 255)(v, f);
  if (!(CLONE_EXIT_SIGNALS_IGNORED as readonly number[]).includes(v as number) && (v as number) <= NSIG)
    fail(f, `signal ${v} would act on the parent when the child ends, which programs do not describe; `
      + `use 0, 17 (SIGCHLD), 23 (SIGURG), 28 (SIGWINCH) or a number from ${NSIG + 1} to 255 (never sent)`);
};
const exitCode = int(-2147483648, 2147483647);
const clock: Check = (v, f) => {
  if (typeof v === 'number') return int(-2147483648, 2147483647)(v, f);
  oneOf(CLOCK_NAMES)(v, f);
};
const NANOS_MAX = 1n << 62n;
const nanos = decimal(0n, NANOS_MAX);
/** A timespec as a program passes it: any 64-bit seconds, any nanoseconds (the kernel judges them). */
const timespec: Check = (v, f) => {
  if (!isObject(v)) return fail(f, `expected {"sec": "...", "nsec": n}, got ${show(v)}`);
  checkFields(v, { sec: decimal(-(1n << 63n), (1n << 63n) - 1n), nsec: int(-(2 ** 53), 2 ** 53) }, [], f);
};

/**
 * An observed value (vocab/program.ts Observed), checked alone; which step it reads is checked with the
 * program (checkObserved), once the steps before it are known. In a text part `where` ends in [i].
 */
const observed: Check = (v, f) => {
  if (!isObject(v)) return fail(f, `expected {"from": ..., "field": ..., "delta": "..."}, got ${show(v)}`);
  checkFields(v, {
    from: (x, g) => {
      if (typeof x === 'number') return int(0, INT_MAX)(x, g);
      if (typeof x !== 'string' || x === '') fail(g, `expected a step index or a label, got ${show(x)}`);
    },
    field: oneOf(OBSERVED_FIELDS),
    delta: decimal(-(1n << 63n), (1n << 63n) - 1n),
    'negate?': bool,
  }, [], f);
};
/** A timespec, or an observed value in its place. */
const timespecOrObserved: Check = (v, f) => (isObject(v) && 'from' in v ? observed(v, f) : timespec(v, f));
/** A write's text: a string, or a list of strings and observed values. */
const textOrParts: Check = (v, f) => {
  if (!Array.isArray(v)) return text(v, f);
  if (v.length === 0) fail(f, 'a list of text parts is empty');
  v.forEach((x, i) => (typeof x === 'string' ? text(x, `${f}[${i}]`) : observed(x, `${f}[${i}]`)));
};
/** A step label: a name, not a number, so it cannot be mistaken for an index. */
const label: Check = (v, f) => {
  if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(v)) fail(f, `expected a label like "start" (a letter or _, then letters, digits, _ . -), got ${show(v)}`);
};

/** The fields of each step kind, beyond `task` and `call`; `?` marks an optional one. */
const CALL_FIELDS: Record<string, Record<string, Check>> = {
  fork: { child: handle('t') },
  vfork: { child: handle('t') },
  thread: { child: handle('t') },
  clone3: { child: handle('t'), flags: flagList(CLONE3_PROGRAM_FLAGS) },
  clone: { child: handle('t'), flags: flagList(CLONE_PROGRAM_FLAGS), exitSignal },
  exec: { 'fail?': bool },
  exit: { 'code?': exitCode },
  exit_group: { 'code?': exitCode },
  wait: { child: handle('t'), 'syscall?': oneOf(['wait4', 'waitid']), 'options?': flagList(WAIT_PROGRAM_OPTIONS) },
  unshare: { flags: flagList(UNSHARE_PROGRAM_FLAGS) },
  setns: { fd: handle('f'), nstype: flagList(SETNS_PROGRAM_FLAGS) },
  open: { target: handle('t'), file: oneOf(PROC_FILES), mode: oneOf(['r', 'w', 'rw']), fd: handle('f') },
  pidfd_open: { target: handle('t'), fd: handle('f') },
  close: { fd: handle('f') },
  read: { fd: handle('f'), 'count?': int(1, 4096), 'pos?': (v, f) => (v === 'current' ? undefined : int(0, INT_MAX)(v, f)) },
  write: { fd: handle('f'), text: textOrParts, 'pos?': int(0, INT_MAX) },
  lseek: { fd: handle('f'), offset: int(-2147483648, 2147483647), whence: oneOf(['SEEK_SET', 'SEEK_CUR', 'SEEK_END']) },
  ioctl: { fd: handle('f'), request: oneOf(Object.keys(NS_IOCTLS)), 'result?': handle('f') },
  readlink: { target: handle('t'), link: oneOf(['time', 'time_for_children']) },
  clock_gettime: { clock, vdso: bool },
  clock_getres: { clock, vdso: bool },
  gettimeofday: { vdso: bool },
  time: { vdso: bool },
  clock_settime: { clock, sec: decimal(-(1n << 63n), (1n << 63n) - 1n), nsec: int(-(2 ** 53), 2 ** 53) },
  read_uptime: {},
  sysinfo: {},
  read_btime: {},
  read_starttime: { target: handle('t') },
  times: {},
  setuid: { uid: int(0, 4294967294) },
  drop_caps: { caps: capList },
  prctl: { option: oneOf(['PR_SET_DUMPABLE', 'PR_GET_DUMPABLE']), 'arg?': int(0, 3) },
  map_root: {},
  sysctl_read: {},
  sysctl_write: { value: int(-2147483648, 2147483647) },
  timer_create: { clock, notify: oneOf(['none', 'signal']), timer: handle('k') },
  timer_settime: { timer: handle('k'), abs: bool, value: timespecOrObserved, interval: timespec },
  timer_gettime: { timer: handle('k') },
  timer_getoverrun: { timer: handle('k') },
  timer_delete: { timer: handle('k') },
  sigwait: {},
  timerfd_create: { clock, nonblock: bool, fd: handle('f') },
  timerfd_settime: { fd: handle('f'), abs: bool, cancelOnSet: bool, value: timespecOrObserved, interval: timespec },
  timerfd_gettime: { fd: handle('f') },
  clock_nanosleep: { clock, abs: bool, value: timespecOrObserved },
  nanosleep: { value: timespecOrObserved },
  futex_wait: { realtime: bool, value: timespecOrObserved },
};
const HOST_FIELDS: Record<string, Record<string, Check>> = {
  advance: { ns: nanos },
  suspend: { ns: nanos },
  settime: { realtime: decimal(0n, NANOS_MAX) },
  signal: { task: handle('t'), handler: bool },
};
/** The field of each call that binds a new handle. */
const BINDER: Record<string, string> = {
  fork: 'child', vfork: 'child', thread: 'child', clone3: 'child', clone: 'child', open: 'fd', pidfd_open: 'fd', ioctl: 'result',
  timer_create: 'timer', timerfd_create: 'fd',
};

function checkFields(obj: Record<string, unknown>, spec: Record<string, Check>, fixed: string[], field: string): void {
  const known = new Set([...fixed, ...Object.keys(spec).map((k) => k.replace('?', ''))]);
  for (const k of Object.keys(obj)) if (!known.has(k)) fail(`${field}.${k}`, 'unknown field');
  for (const [k, check] of Object.entries(spec)) {
    const name = k.replace('?', '');
    if (!(name in obj)) {
      if (!k.endsWith('?')) fail(`${field}.${name}`, 'missing');
      continue;
    }
    check(obj[name], `${field}.${name}`);
  }
}

function checkStep(s: unknown, field: string): asserts s is ProgramStep {
  if (!isObject(s)) return fail(field, `expected an object, got ${show(s)}`);
  if ('host' in s) {
    oneOf(HOST_EVENTS)(s.host, `${field}.host`);
    return checkFields(s, HOST_FIELDS[s.host as string], ['host'], field);
  }
  if (!('call' in s)) fail(field, 'expected a "call" (a syscall step) or a "host" (a host event)');
  oneOf(TASK_CALLS)(s.call, `${field}.call`);
  handle('t')(s.task, `${field}.task`);
  checkFields(s, { ...CALL_FIELDS[s.call as string], 'label?': label }, ['task', 'call'], field);
  if (s.call === 'prctl' && (s.option === 'PR_SET_DUMPABLE') !== ('arg' in s))
    fail(`${field}.arg`, s.option === 'PR_SET_DUMPABLE' ? 'missing (PR_SET_DUMPABLE takes an arg)' : 'PR_GET_DUMPABLE takes no arg');
  if (s.call === 'open' && s.file !== 'timens_offsets' && s.mode !== 'r')
    fail(`${field}.mode`, `namespace files open read-only ("r"), got ${show(s.mode)}`);
}

/**
 * The observed values of step i: each must read a step before it (by index, or by a label an earlier
 * step carries) whose observation has that field when it succeeds.
 */
function checkObserved(steps: ProgramStep[], i: number, labels: Map<string, number>): void {
  const s = steps[i];
  if ('host' in s) return;
  const where: [unknown, string][] = s.call === 'write'
    ? (typeof s.text === 'string' ? [] : s.text.map((x, k) => [x, `steps[${i}].text[${k}]`]))
    : 'value' in s ? [[s.value, `steps[${i}].value`]] : [];
  for (const [v, f] of where) {
    if (!isObject(v) || !('from' in v)) continue;
    const from = v.from as number | string;
    const j = typeof from === 'number' ? from : labels.get(from);
    if (j === undefined) {
      const later = steps.findIndex((t) => isObject(t) && (t as { label?: unknown }).label === from);
      fail(`${f}.from`, later >= 0 ? `steps[${later}], labelled ${show(from)}, comes after this step: a value can only be taken from an earlier step`
        : `no step before this one is labelled ${show(from)}`);
    }
    if (j! >= steps.length) fail(`${f}.from`, `there is no steps[${j}]: the program has ${steps.length} steps`);
    if (j! >= i) fail(`${f}.from`, j === i ? 'a step cannot read its own observation' : `steps[${j}] comes after this step: a value can only be taken from an earlier step`);
    const target = steps[j!];
    const has = 'host' in target ? [] : OBSERVED_FIELDS_OF[target.call] ?? [];
    if (!has.includes(v.field as never)) {
      const what = 'host' in target ? `a host event (${target.host})` : target.call;
      fail(`${f}.field`, `steps[${j}] is ${what}, whose observation has no ${show(v.field)}${has.length ? ` (it has ${has.map(show).join(', ')})` : ''}`);
    }
  }
}

/** Check a parsed JSON value and return it as a Program with every default filled in. */
export function checkProgram(p: unknown): Program {
  if (!isObject(p)) return fail('program', `expected a JSON object, got ${show(p)}`);
  for (const k of Object.keys(p)) if (!['format', 'kernel', 'env', 'steps'].includes(k)) fail(k, 'unknown field');
  if (p.format !== PROGRAM_FORMAT) fail('format', `expected ${PROGRAM_FORMAT}, got ${show(p.format)}`);
  const kernel = p.kernel ?? 'current';
  oneOf(KERNEL_BEHAVIOURS)(kernel, 'kernel');
  if (!isObject(p.env)) fail('env', `expected an object, got ${show(p.env)}`);
  const env = p.env as Record<string, unknown>;
  checkFields(env, {
    seed: (v, f) => { if (typeof v !== 'string' || v === '') fail(f, `expected a non-empty string, got ${show(v)}`); },
    'caps?': (v, f) => (v === 'full' ? undefined : capList(v, f)),
    'rtc?': bool,
    'maxTimeNamespaces?': int(0, INT_MAX),
    'start?': oneOf(['root', 'user-namespace']),
  }, [], 'env');
  if (!Array.isArray(p.steps)) fail('steps', `expected a list, got ${show(p.steps)}`);
  const steps = p.steps as unknown[];
  const bound = new Map<string, number>();
  const timerfds = new Set<string>();
  const labels = new Map<string, number>();
  steps.forEach((s, i) => {
    checkStep(s, `steps[${i}]`);
    checkObserved(steps as ProgramStep[], i, labels);
    if ('call' in s && s.label !== undefined) {
      if (labels.has(s.label)) fail(`steps[${i}].label`, `label "${s.label}" is already carried by steps[${labels.get(s.label)}]`);
      labels.set(s.label, i);
    }
    if ('call' in s && s.call === 'timerfd_create') timerfds.add(s.fd);
    if ('call' in s && s.call === 'read' && timerfds.has(s.fd) && (s.count !== undefined || s.pos !== undefined))
      fail(`steps[${i}].${s.count !== undefined ? 'count' : 'pos'}`, `"${s.fd}" is a timerfd (steps[${bound.get(s.fd)}]), which is read whole with read(2)`);
    const b = 'call' in s ? BINDER[s.call] : undefined;
    const h = b && (s as unknown as Record<string, unknown>)[b];
    if (typeof h === 'string') {
      if (h === 't0') fail(`steps[${i}].${b}`, '"t0" is the initial task and cannot be bound again');
      if (bound.has(h)) fail(`steps[${i}].${b}`, `handle "${h}" is already bound by steps[${bound.get(h)}]`);
      bound.set(h, i);
    }
  });
  return { format: PROGRAM_FORMAT, kernel: kernel as Program['kernel'], env: env as unknown as Program['env'], steps: steps as ProgramStep[] };
}

/** Parse program text; a syntax error is reported as a ProgramError on the whole file. */
export function parseProgram(source: string): Program {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (e) {
    throw new ProgramError('program', `not JSON: ${(e as Error).message}`);
  }
  return checkProgram(value);
}
