// Generating programs. A step names its handles literally ("t3", "f2"), so the shrinker can delete any
// step without changing what the others mean: a reference to a handle whose creation was deleted simply
// gets the errno Linux gives for a dead pid or a closed fd. Generation tracks which handles it has made,
// so most references hit something live, and some deliberately do not.
import fc from 'fast-check';
import { CAP_NAMES, PROGRAM_FORMAT } from '../vocab/index.ts';
import type { Observation, Program, ProgramEnv, ProgramStep } from '../vocab/index.ts';
import { shrinkProgram } from './shrink.ts';
import { createModel } from '../model/index.ts';
import { Stepper } from '../harness/run.ts';
import { gone, newSketch, rngOf, someTask, type GenOptions, type Maker, type Rng, type Sketch } from './sketch.ts';
import { KERNEL_ONLY_MAKERS, MAKERS } from './steps-namespaces.ts';
import { TIMER_MAKERS } from './steps-timers.ts';
import { nextPlanned, SEQUENCE_MAKERS, TIMER_SEQUENCE_MAKERS } from './steps-sequences.ts';
import { OBSERVED_MAKERS } from './steps-observed.ts';

export type { GenOptions } from './sketch.ts';

function env(r: Rng, o: GenOptions): ProgramEnv {
  const e: ProgramEnv = { seed: `s${r.int(0, 0x7fffffff).toString(36)}` };
  // Kernel campaigns choose where programs start themselves (--unprivileged).
  if (!o.kernelSafe && r.chance(0.05)) e.start = 'user-namespace';
  if (r.chance(0.12)) e.caps = CAP_NAMES.filter(() => r.chance(0.6));
  if (r.chance(0.1)) e.rtc = false;
  if (r.chance(0.08)) e.maxTimeNamespaces = r.int(0, 3);
  return e;
}


const weight = (makers: [number, Maker][]) => makers.reduce((a, [w]) => a + w, 0);
/** Kernel programs without kernelTimers leave out timers, sleeps, signals and clock sets. */
const NO_TIMER_MAKERS = [...MAKERS, ...SEQUENCE_MAKERS, ...KERNEL_ONLY_MAKERS];
const BOTH_MAKERS = [...MAKERS, ...TIMER_MAKERS, ...SEQUENCE_MAKERS, ...TIMER_SEQUENCE_MAKERS];
const ALL_MAKERS = [...BOTH_MAKERS, ...OBSERVED_MAKERS];
const KERNEL_MAKERS = [...BOTH_MAKERS, ...KERNEL_ONLY_MAKERS, ...OBSERVED_MAKERS];

function makeStep(r: Rng, s: Sketch, o: GenOptions): ProgramStep {
  // A sequence under way goes on, mostly at once, sometimes with other steps between.
  if (s.plan.length > 0 && r.chance(0.8)) {
    const planned = nextPlanned(r, s);
    if (planned) return planned;
  }
  const makers = !o.kernelSafe ? ALL_MAKERS : o.kernelTimers ? KERNEL_MAKERS : NO_TIMER_MAKERS;
  let x = r.int(0, weight(makers) - 1);
  for (const [w, make] of makers) {
    if (x < w) return make(r, s, someTask(r, s), o);
    x -= w;
  }
  throw new Error('unreachable');
}

/** What generation learns from the model's answer: which creations failed, who is gone or blocked. */
function learn(s: Sketch, step: ProgramStep, obs: Observation): void {
  for (const c of obs.completions ?? []) s.sleeping.delete(c.task);
  if ('host' in step) return;
  if (obs.pending) s.sleeping.add(step.task);
  if (step.call === 'exec' && obs.ret === 0) s.timersOf.set(s.group.get(step.task) ?? -1, new Set());
  if (obs.err === 'ESRCH' && !('fd' in step && step.call === 'setns')) gone(s, step.task);
  if (obs.blocked) return;
  const binds = step.call === 'fork' || step.call === 'vfork' || step.call === 'thread' || step.call === 'clone3' || step.call === 'clone' ? step.child
    : step.call === 'open' || step.call === 'pidfd_open' || step.call === 'timerfd_create' ? step.fd
    : step.call === 'ioctl' ? step.result
    : step.call === 'timer_create' ? step.timer : undefined;
  if (binds && obs.ret === undefined) {
    if (binds.startsWith('t')) gone(s, binds);
    else if (binds.startsWith('k')) for (const timers of s.timersOf.values()) timers.delete(binds);
    else for (const fds of s.fdsOf.values()) fds.delete(binds);
  }
}

/**
 * Generation runs the model alongside, so that steps go mostly to tasks that are alive and fds that are
 * held: without it most steps of a long program would fall to ESRCH once one creation failed. The
 * program stays plain data; the model only steers the choices.
 */
export function generateProgram(mrng: fc.Random, o: GenOptions): Program {
  const r = rngOf(mrng);
  const e = env(r, o);
  const kernel = o.kernel ?? 'current';
  const model = new Stepper(e, createModel, kernel);
  const real = typeof o.kernelTimers === 'object' ? o.kernelTimers.now : undefined;
  const s = newSketch(() => model.side.abstract(), () => real?.() ?? model.clocks());
  if (o.kernelSafe && o.kernelTimers) s.kernelTimers = true;
  const n = r.int(Math.max(1, Math.floor(o.maxSteps / 2)), o.maxSteps);
  const steps: ProgramStep[] = [];
  for (let i = 0; i < n; i++) {
    s.made = i;
    const step = makeStep(r, s, o);
    learn(s, step, model.step(step).obs);
    steps.push(step);
  }
  return { format: PROGRAM_FORMAT, kernel, env: e, steps };
}

class ProgramArbitrary extends fc.Arbitrary<Program> {
  constructor(private readonly options: GenOptions) {
    super();
  }
  generate(mrng: fc.Random): fc.Value<Program> {
    return new fc.Value(generateProgram(mrng, this.options), undefined);
  }
  canShrinkWithoutContext(value: unknown): value is Program {
    return typeof value === 'object' && value !== null && Array.isArray((value as Program).steps);
  }
  shrink(value: Program): fc.Stream<fc.Value<Program>> {
    return new fc.Stream(shrinkProgram(value)).map((p) => new fc.Value(p, undefined));
  }
}

/** Programs of up to maxSteps steps, shrinking by deleting and simplifying steps. */
export function programs(options: GenOptions): fc.Arbitrary<Program> {
  return new ProgramArbitrary(options);
}
