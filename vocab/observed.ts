// Observed values (Observed in program.ts): a step's timespec or text taken, as the program runs, from
// an earlier step's observation. Every runner resolves them the same way, here: the simulated runs from
// each side's own observations, the kernel judge from the kernel's (docs/conventions.md).
import type { Observation } from './observation.ts';
import type { Observed, ObservedField, ProgramStep, Step, TaskCall, TextPart, Timespec } from './program.ts';

const NSEC_PER_SEC = 1_000_000_000n;

/** The fields a call's observation carries when it succeeds (and only then). */
export const OBSERVED_FIELDS_OF: Partial<Record<TaskCall, readonly ObservedField[]>> = {
  clock_gettime: ['time'], clock_getres: ['time'], gettimeofday: ['time'], time: ['time'],
  timer_settime: ['itimer.value', 'itimer.interval'], timer_gettime: ['itimer.value', 'itimer.interval'],
  timerfd_settime: ['itimer.value', 'itimer.interval'], timerfd_gettime: ['itimer.value', 'itimer.interval'],
};

export function isObserved(v: unknown): v is Observed {
  return typeof v === 'object' && v !== null && 'from' in v;
}

/** The observed values a step uses, in the order they appear. */
export function observedIn(step: ProgramStep): Observed[] {
  if ('host' in step) return [];
  if (step.call === 'write') return typeof step.text === 'string' ? [] : step.text.filter(isObserved);
  if ('value' in step && isObserved(step.value)) return [step.value];
  return [];
}

/** The field of an observation, when it has it: only a successful one does. */
export function fieldOf(obs: Observation | undefined, field: ObservedField): bigint | undefined {
  if (obs === undefined || obs.ret === undefined || obs.err !== undefined || obs.blocked || obs.pending || obs.unresolved) return undefined;
  const v = field === 'time' ? obs.time : field === 'itimer.value' ? obs.itimer?.value : obs.itimer?.interval;
  return v === undefined ? undefined : BigInt(v);
}

/** A nanosecond count as a normalised timespec: nsec in [0, 1e9), seconds rounded down. */
export function timespecOf(ns: bigint): Timespec {
  let sec = ns / NSEC_PER_SEC;
  if (ns < 0n && sec * NSEC_PER_SEC !== ns) sec -= 1n;
  return { sec: String(sec), nsec: Number(ns - sec * NSEC_PER_SEC) };
}

/** An observed value as a text part: "sec nsec" of its timespec. */
export function textOf(ns: bigint): string {
  const t = timespecOf(ns);
  return `${t.sec} ${t.nsec}`;
}

/** The index of the step an Observed reads, given the labels of a program's steps. */
export function observedIndex(ref: Observed, labels: ReadonlyMap<string, number>): number | undefined {
  return typeof ref.from === 'number' ? ref.from : labels.get(ref.from);
}

/** The labels of a program's steps, by name. */
export function stepLabels(steps: readonly ProgramStep[]): Map<string, number> {
  const labels = new Map<string, number>();
  steps.forEach((s, i) => {
    if (!('host' in s) && s.label !== undefined) labels.set(s.label, i);
  });
  return labels;
}

/**
 * The step with every observed value made concrete from `obs` (the observations of the program's steps
 * so far, by index), or null when one of them reads a field that observation does not have: the step
 * is then not made, and observes { unresolved: true }.
 */
export function resolveStep(step: ProgramStep, obs: (index: number) => Observation | undefined, labels: ReadonlyMap<string, number>): Step | null {
  if ('host' in step) return step;
  const value = (ref: Observed): bigint | undefined => {
    const i = observedIndex(ref, labels);
    const v = i === undefined ? undefined : fieldOf(obs(i), ref.field);
    return v === undefined ? undefined : (ref.negate ? -v : v) + BigInt(ref.delta);
  };
  if (step.call === 'write' && typeof step.text !== 'string') {
    let text = '';
    for (const part of step.text as TextPart[]) {
      if (typeof part === 'string') {
        text += part;
        continue;
      }
      const v = value(part);
      if (v === undefined) return null;
      text += textOf(v);
    }
    return { ...step, text };
  }
  if ('value' in step && isObserved(step.value)) {
    const v = value(step.value);
    return v === undefined ? null : ({ ...step, value: timespecOf(v) } as Step);
  }
  return step as Step;
}

/** A program's step resolved against the observations made so far, as runners keep them. */
export class Resolver {
  private readonly seen: Observation[] = [];
  private readonly labels: Map<string, number>;
  constructor(steps: readonly ProgramStep[]) {
    this.labels = stepLabels(steps);
  }
  /** Learn the label of step `index`, for steps given one at a time. */
  label(step: ProgramStep, index: number): void {
    if (!('host' in step) && step.label !== undefined && !this.labels.has(step.label)) this.labels.set(step.label, index);
  }
  /** Step `index` made concrete, or null when it is not made (unresolved). */
  resolve(step: ProgramStep, index: number): Step | null {
    return resolveStep(step, (i) => this.seen[i], this.labels);
  }
  /** Record the observation of step `index` (every step's, in order). */
  saw(index: number, obs: Observation): void {
    this.seen[index] = obs;
  }
}

/** What an unresolved step runs as: nothing but the time its turn takes (calls of other tasks may end). */
export const NOT_MADE: Step = { host: 'advance', ns: '0' };

/** The observation of a step that was not made, from what NOT_MADE observed. */
export function unresolvedObservation(made: Observation): Observation {
  return made.completions ? { unresolved: true, completions: made.completions } : { unresolved: true };
}
