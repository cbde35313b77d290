// Pictures for people: a counterexample as one self-contained HTML page (its tasks and time namespaces as a
// sequence diagram over the steps, each side's observations beside it, the first difference marked), and a
// campaign's statistics as bar charts. Inline SVG and CSS only: no script, no external asset, so the page
// reads the same from an artifact store, a mail attachment or a file:// URL.
import { runDifferential, runProgram } from '../harness/run.ts';
import type { Stats } from '../harness/stats.ts';
import { describeObservation, describeStep } from '../harness/trace.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import { isHostEvent, PROC_TIME_INIT_INO } from '../vocab/index.ts';
import type { BackendFactory, Observation, ProgramStep } from '../vocab/index.ts';

/** The layout of a counterexample page, in CSS pixels; the first difference is a band of MARK_COLOUR
 *  across row `index` at y = ROW_TOP + index * ROW_HEIGHT (tests look for it there). */
export const LAYOUT = { ROW_TOP: 60, ROW_HEIGHT: 34, LANE_LEFT: 56, LANE_WIDTH: 110, SIDE_WIDTH: 330, SVG_TOP: 0 } as const;
export const MARK_COLOUR = '#e8114b';
/** Every other row (from row 0) is shaded, so rows can be told apart across a wide page. */
export const ZEBRA_COLOUR = '#eef2f7';
/** Namespace colours by first appearance; the initial namespace is grey. */
const NS_COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#bcbd22', '#7f7f7f'];
const INIT_COLOUR = '#b0b0b0';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One row of the page: a step, what each side observed, each task's time namespace after it. */
interface Row {
  step: ProgramStep;
  left?: Observation | unknown;
  right?: Observation | unknown;
  timeNs: Map<string, number | null>;
}

function rows(c: Counterexample, sides: Record<string, BackendFactory | undefined>): Row[] {
  const [l, r] = c.sides;
  const model = sides.model!;
  // Each task's time namespace after every step, from the model's abstract state.
  const ns: Map<string, number | null>[] = [];
  runProgram(c.program, model, (_e, side) => {
    const tasks = side.abstract().tasks;
    ns.push(new Map(Object.entries(tasks).map(([t, a]) => [t, a.state === 'exited' ? null : a.timeNs])));
  });
  const left = sides[l], right = sides[r];
  if (left && right) {
    const d = runDifferential(c.program, left, right);
    const out: Row[] = d.trace.map((e, i) => ({ step: e.step, left: e.left, right: e.right, timeNs: ns[i] }));
    if (d.divergence) out.push({ step: d.divergence.step, left: d.divergence.left, right: d.divergence.right, timeNs: ns[out.length] });
    for (let i = out.length; i < c.program.steps.length; i++) out.push({ step: c.program.steps[i], timeNs: ns[i] });
    return out;
  }
  // Against a kernel: the model's trace, and the kernel's observation as stored at the difference.
  const trace = runProgram(c.program, left ?? model);
  return c.program.steps.map((step, i) => ({
    step, left: trace[i].obs, right: i === c.divergence.index ? c.divergence.right : undefined, timeNs: ns[i],
  }));
}

function taskOf(step: ProgramStep): string | undefined {
  if (isHostEvent(step)) return step.host === 'signal' ? step.task : undefined;
  return step.task;
}
function childOf(step: ProgramStep): string | undefined {
  return !isHostEvent(step) && 'child' in step && typeof step.child === 'string' && step.call !== 'wait' ? step.child : undefined;
}

function text(x: number, y: number, s: string, cls = '', max = 60): string {
  const t = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return `<text x="${x}" y="${y}" class="${cls}"><title>${esc(s)}</title>${esc(t)}</text>`;
}

/** The whole page for one counterexample. */
export function counterexamplePage(c: Counterexample, name: string, sides: Record<string, BackendFactory | undefined>): string {
  const L = LAYOUT;
  const data = rows(c, sides);
  const tasks = ['t0'];
  for (const r of data) for (const t of [taskOf(r.step), childOf(r.step)]) if (t && !tasks.includes(t)) tasks.push(t);
  const lanes = ['host', ...tasks];
  const laneX = (lane: string) => L.LANE_LEFT + lanes.indexOf(lane) * L.LANE_WIDTH + L.LANE_WIDTH / 2;
  const sidesX = L.LANE_LEFT + lanes.length * L.LANE_WIDTH + 10;
  const width = sidesX + 2 * L.SIDE_WIDTH + 20;
  const height = L.ROW_TOP + data.length * L.ROW_HEIGHT + 20;
  const nsColour = new Map<number, string>([[PROC_TIME_INIT_INO, INIT_COLOUR]]);
  const colourOf = (ino: number) => {
    if (!nsColour.has(ino)) nsColour.set(ino, NS_COLOURS[(nsColour.size - 1) % NS_COLOURS.length]);
    return nsColour.get(ino)!;
  };
  const nsName = (ino: number) => (ino === PROC_TIME_INIT_INO ? 'initial' : `time:[${ino}]`);
  const svg: string[] = [];
  const d = c.divergence.index;
  if (d >= 0 && d < data.length) {
    svg.push(`<rect id="first-difference" x="0" y="${L.ROW_TOP + d * L.ROW_HEIGHT}" width="${width}" height="${L.ROW_HEIGHT}" fill="${MARK_COLOUR}" fill-opacity="1"/>`);
  }
  for (const lane of lanes) {
    svg.push(text(laneX(lane) - 20, 30, lane, 'lane-head'));
    if (lane === 'host') svg.push(`<line x1="${laneX(lane)}" y1="${L.ROW_TOP - 10}" x2="${laneX(lane)}" y2="${height - 10}" class="host-lane"/>`);
  }
  svg.push(text(sidesX, 30, c.sides[0], 'lane-head'), text(sidesX + L.SIDE_WIDTH, 30, c.sides[1], 'lane-head'));
  // Each task's lifeline, coloured by its time namespace after each step.
  data.forEach((r, i) => {
    const y = L.ROW_TOP + i * L.ROW_HEIGHT;
    if (i % 2 === 0 && i !== d) svg.push(`<rect class="zebra" x="0" y="${y}" width="${width}" height="${L.ROW_HEIGHT}" fill="${ZEBRA_COLOUR}"/>`);
  });
  data.forEach((r, i) => {
    const y = L.ROW_TOP + i * L.ROW_HEIGHT;
    for (const t of tasks) {
      const ino = r.timeNs.get(t);
      if (ino === undefined || ino === null) continue;
      svg.push(`<rect class="lifeline" data-task="${t}" data-ns="${ino}" x="${laneX(t) - 4}" y="${y}" width="8" height="${L.ROW_HEIGHT}" fill="${colourOf(ino)}"><title>${esc(`${t} in ${nsName(ino)}`)}</title></rect>`);
    }
  });
  data.forEach((r, i) => {
    const y = L.ROW_TOP + i * L.ROW_HEIGHT;
    const mid = y + L.ROW_HEIGHT / 2;
    const lane = isHostEvent(r.step) ? 'host' : r.step.task;
    const call = isHostEvent(r.step) ? r.step.host : r.step.call;
    svg.push(text(8, mid + 4, String(i), 'index'));
    svg.push(`<g class="step" data-index="${i}"><rect x="${laneX(lane) - 48}" y="${y + 6}" width="96" height="${L.ROW_HEIGHT - 12}" rx="4" class="call"/>${text(laneX(lane) - 44, mid + 4, call, 'call-name', 14)}<title>${esc(describeStep(r.step))}</title></g>`);
    if (isHostEvent(r.step) && r.step.host === 'signal') {
      svg.push(`<line x1="${laneX('host') + 48}" y1="${mid}" x2="${laneX(r.step.task) - 6}" y2="${mid}" class="target" marker-end="url(#head)"/>`);
    }
    const child = childOf(r.step);
    if (child) svg.push(`<line x1="${laneX(lane) + 48}" y1="${mid}" x2="${laneX(child) - 6}" y2="${mid}" class="arrow" marker-end="url(#head)"/>`);
    if (!isHostEvent(r.step) && r.step.call !== 'fork' && taskOf(r.step) !== undefined && 'target' in r.step && typeof r.step.target === 'string' && r.step.target !== r.step.task) {
      svg.push(`<line x1="${laneX(lane)}" y1="${mid}" x2="${laneX(r.step.target)}" y2="${mid}" class="target" marker-end="url(#head)"/>`);
    }
    const differs = i === d;
    const show = (o: unknown) => (o === undefined ? '—' : describeObservation(o));
    svg.push(text(sidesX, mid + 4, show(r.left), `obs left${differs ? ' differs' : ''}`, 48));
    svg.push(text(sidesX + L.SIDE_WIDTH, mid + 4, show(r.right), `obs right${differs ? ' differs' : ''}`, 48));
  });
  const legend = [...nsColour].map(([ino, col]) => `<li><span class="swatch" style="background:${col}"></span>${esc(nsName(ino))}</li>`).join('');
  const found = c.found ? `seed ${c.found.seed}${c.found.path !== undefined ? `, path ${c.found.path}` : ''}` : 'not recorded';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(name)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }
h1 { font-size: 18px; margin: 0 0 8px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 0 0 12px; }
dt { font-weight: 600; }
.lane-head { font-weight: 700; font-size: 13px; }
.host-lane { stroke: #999; stroke-dasharray: 4 3; }
.call { fill: #fff; stroke: #333; }
.call-name, .index, .obs { font: 12px ui-monospace, monospace; }
.obs.differs { font-weight: 700; fill: #fff; }
.arrow, .target { stroke: #333; stroke-width: 1.5; }
.target { stroke-dasharray: 3 2; }
ul.legend { list-style: none; padding: 0; display: flex; gap: 16px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
pre { background: #f4f4f4; padding: 8px; overflow-x: auto; }
</style></head>
<body>
<h1>${esc(name)}: ${esc(c.property)}, ${esc(c.sides[0])} against ${esc(c.sides[1])}</h1>
<dl>
<dt>first difference</dt><dd id="difference">step ${d} (${esc(c.divergence.kind)})${c.divergence.reason ? `: ${esc(c.divergence.reason)}` : ''}</dd>
<dt>${esc(c.sides[0])}</dt><dd class="side-left">${esc(JSON.stringify(c.divergence.left))}</dd>
<dt>${esc(c.sides[1])}</dt><dd class="side-right">${esc(JSON.stringify(c.divergence.right))}</dd>
${c.note ? `<dt>note</dt><dd id="note">${esc(c.note)}</dd>` : ''}
<dt>found</dt><dd>${esc(found)}${c.replays ? `; ${c.replays.reproduced} of ${c.replays.of} replays disagreed again` : ''}${c.booted ? `; on Linux ${esc(c.booted.release)} booted under QEMU` : ''}</dd>
</dl>
<p>Tasks are lanes (the host's events on the first), steps run down the page; a task's lifeline is coloured by the time namespace it is in after the step.</p>
<ul class="legend">${legend}</ul>
<svg id="sequence" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>
${svg.join('\n')}
</svg>
<h2>The program</h2>
<pre>${esc(c.program.steps.map((s, i) => `${String(i).padStart(3)}  ${JSON.stringify(s)}`).join('\n'))}</pre>
</body></html>
`;
}

// ---- Campaign statistics -------------------------------------------------------------------------------------

const OUTCOME_COLOURS: Record<string, string> = { ok: '#2ca02c', pending: '#9edae5', blocked: '#c7c7c7' };
const ERRNO_COLOURS = ['#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#bcbd22', '#17becf', '#1f77b4', '#aec7e8', '#ffbb78'];

function outcomeColour(outcome: string, errnos: string[]): string {
  const base = outcome.replace(/ \(completed\)$/, '');
  return OUTCOME_COLOURS[base] ?? ERRNO_COLOURS[errnos.indexOf(base) % ERRNO_COLOURS.length] ?? '#777';
}

/** A campaign's statistics as two charts: outcomes per call (stacked bars), and the states reached. */
export function campaignPage(title: string, stats: Stats, facts: [string, string][]): string {
  const calls = Object.keys(stats.outcomes).sort();
  const errnos = [...new Set(calls.flatMap((c) => Object.keys(stats.outcomes[c])).map((o) => o.replace(/ \(completed\)$/, '')))]
    .filter((o) => !(o in OUTCOME_COLOURS)).sort();
  const max = Math.max(1, ...calls.map((c) => Object.values(stats.outcomes[c]).reduce((a, b) => a + b, 0)));
  const barW = 560, rowH = 20, left = 170;
  const bars = calls.map((call, i) => {
    const y = 10 + i * rowH;
    let x = left;
    const parts = Object.entries(stats.outcomes[call]).sort(([a], [b]) => a.localeCompare(b)).map(([o, n]) => {
      const w = Math.max(1, (n / max) * barW);
      const r = `<rect class="bar" data-call="${esc(call)}" data-outcome="${esc(o)}" data-count="${n}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${outcomeColour(o, errnos)}"><title>${esc(`${call}: ${o} ${n}`)}</title></rect>`;
      x += w;
      return r;
    });
    return `<text x="${left - 6}" y="${y + 12}" text-anchor="end" class="label">${esc(call)}</text>${parts.join('')}`;
  });
  const states = Object.entries(stats.states).sort(([a], [b]) => a.localeCompare(b));
  const smax = Math.max(1, ...states.map(([, n]) => n));
  const sbars = states.map(([s, n], i) => {
    const y = 10 + i * rowH;
    return `<text x="${left + 90}" y="${y + 12}" text-anchor="end" class="label">${esc(s)}</text><rect class="state" data-state="${esc(s)}" data-count="${n}" x="${left + 96}" y="${y}" width="${Math.max(1, (n / smax) * (barW - 100)).toFixed(1)}" height="${rowH - 4}" fill="#1f77b4"><title>${esc(`${s}: ${n} steps`)}</title></rect><text x="${left + 100 + Math.max(1, (n / smax) * (barW - 100))}" y="${y + 12}" class="label">${n}</text>`;
  });
  const legend = ['ok', 'pending', 'blocked', ...errnos].map((o) => `<li><span class="swatch" style="background:${outcomeColour(o, errnos)}"></span>${esc(o)}</li>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }
.label { font: 12px ui-monospace, monospace; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dt { font-weight: 600; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
</style></head>
<body>
<h1>${esc(title)}</h1>
<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}<dt>programs</dt><dd id="programs">${stats.programs}</dd><dt>steps</dt><dd id="steps">${stats.steps}</dd></dl>
<h2>Outcomes per call</h2>
<ul class="legend">${legend}</ul>
<svg id="outcomes" xmlns="http://www.w3.org/2000/svg" width="${left + barW + 20}" height="${calls.length * rowH + 20}">${bars.join('\n')}</svg>
<h2>States reached (steps after which each held)</h2>
<svg id="states" xmlns="http://www.w3.org/2000/svg" width="${left + barW + 80}" height="${states.length * rowH + 20}">${sbars.join('\n')}</svg>
</body></html>
`;
}
