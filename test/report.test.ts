// The HTML reports (cli/report.ts), rendered in headless Chromium: the page of a counterexample must show
// one step box per step, the stored note and divergence, the tasks' namespaces, and the first difference as
// a band of the mark colour over exactly that step's row of the screenshot; a campaign page must chart
// every call's outcomes with the counts of its statistics. Without Chromium these are skipped with the
// reason; with CI=true they fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { LAYOUT, MARK_COLOUR, ZEBRA_COLOUR } from '../cli/report.ts';
import { readCounterexample } from '../harness/counterexample.ts';
import { inCI } from './kernel/skip.ts';
import { tsx } from './tsx.ts';
import { runProgram } from '../harness/run.ts';
import { createModel } from '../model/index.ts';
import { PROC_TIME_INIT_INO } from '../vocab/index.ts';

const CHROMIUM = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0);
const dir = mkdtempSync(join(tmpdir(), 'timens-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A page's DOM after loading, with a screenshot of it at the window size given written to `png`. One
 *  browser start gives both (Chromium handles --dump-dom and --screenshot in the same run, and a start
 *  costs seconds); the pages have no script, so the DOM does not depend on the window. */
function render(html: string, width: number, height: number, png: string): string {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--dump-dom', `--window-size=${width},${height}`, `--screenshot=${png}`, `file://${html}`];
  const r = spawnSync(CHROMIUM!, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`chromium ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

function cli(...args: string[]): string {
  const r = spawnSync(...tsx('cli/main.ts', args), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`timens ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** An 8-bit RGB or RGBA PNG, decoded (the screenshots Chromium writes). */
function decodePng(buf: Buffer): { width: number; height: number; pixel: (x: number, y: number) => [number, number, number] } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let pos = 8, width = 0, height = 0, channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos), type = buf.toString('latin1', pos + 4, pos + 8), body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8]).toBe(8);
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      expect(channels, `colour type ${body[9]}`).toBeGreaterThan(0);
      expect(body[12]).toBe(0); // not interlaced
    }
    if (type === 'IDAT') idat.push(body);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= channels ? out[y * stride + i - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      out[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [out[y * stride + x * channels], out[y * stride + x * channels + 1], out[y * stride + x * channels + 2]] };
}

/** Whether, by the model, some task of the file's program is in a time namespace other than the initial one. */
function changesNamespace(f: string): boolean {
  let moved = false;
  runProgram(readCounterexample(join('counterexamples', f)).program, createModel, (_e, side) => {
    moved ||= Object.values(side.abstract().tasks).some((t) => t.timeNs !== null && t.timeNs !== PROC_TIME_INIT_INO);
  });
  return moved;
}

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const near = (p: number[], q: number[]) => p.every((v, i) => Math.abs(v - q[i]) <= 3);

describe('HTML reports in headless Chromium', () => {
  beforeEach((ctx) => {
    if (CHROMIUM) return;
    const why = 'no Chromium here (Debian package chromium: apt-get install -y chromium)';
    if (inCI()) throw new Error(`CI requires the report checks, and they cannot run here: ${why}`);
    ctx.skip(why);
  });

  const files = readdirSync('counterexamples').filter((f) => f.endsWith('.json'));
  // One found against impl and one against Linux, each with a note; and one whose tasks change namespace.
  const chosen = [
    files.find((f) => f.startsWith('refinement-') && readCounterexample(join('counterexamples', f)).note),
    files.find((f) => f.startsWith('kernel-') && readCounterexample(join('counterexamples', f)).note),
    files.find((f) => changesNamespace(f)),
  ].filter((f): f is string => f !== undefined);

  it('the stored counterexamples chosen exist', () => {
    expect(chosen.length).toBe(3);
  });

  for (const f of chosen) {
    it(`of ${f}: the DOM holds every step, the note and the divergence; the screenshot marks the difference's row`, () => {
      const c = readCounterexample(join('counterexamples', f));
      const html = join(dir, f.replace(/\.json$/, '.html'));
      cli('report', join('counterexamples', f), '-o', html);
      const png = join(dir, f.replace(/\.json$/, '.png'));
      const tall = 900 + c.program.steps.length * (LAYOUT.ROW_HEIGHT + 24);
      const dom = render(html, 1400, tall, png);
      expect(dom.match(/<g class="step"/g)?.length).toBe(c.program.steps.length);
      expect(dom).toContain('id="first-difference"');
      expect(dom).toMatch(new RegExp(`id="difference">step ${c.divergence.index} `));
      if (c.note) expect(dom).toContain(c.note.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').slice(0, 60));
      if (changesNamespace(f)) {
        const namespaces = new Set([...dom.matchAll(/class="lifeline" data-task="t\d+" data-ns="(\d+)"/g)].map((m) => m[1]));
        expect(namespaces.size, 'a task changes time namespace in this program').toBeGreaterThan(1);
      }

      const img = decodePng(readFileSync(png));
      expect(img.width).toBe(1400);
      expect(img.height).toBe(tall);
      // Down a column through the diagram: row 0 is the first shaded (or marked) row; the marked band
      // must start exactly `index` rows below it and be one row high.
      const x = 18; // left of the step numbers
      let row0 = -1, markTop = -1, markRows = 0;
      for (let y = 0; y < img.height; y++) {
        const p = img.pixel(x, y);
        const marked = near(p, rgb(MARK_COLOUR));
        if (row0 < 0 && (near(p, rgb(ZEBRA_COLOUR)) || marked)) row0 = y;
        if (marked) {
          if (markTop < 0) markTop = y;
          markRows++;
        }
      }
      expect(row0, 'no shaded row found').toBeGreaterThan(0);
      expect(markRows, 'height of the marked band').toBe(LAYOUT.ROW_HEIGHT);
      expect(markTop - row0).toBe(c.divergence.index * LAYOUT.ROW_HEIGHT);
    }, 180_000);
  }

  it('of a campaign result: one bar per call and outcome with its count, and the states reached', () => {
    const out = join(dir, 'shard');
    cli('campaign', '--seed', '5', '--runs', '30', '--steps', '10', '--shard', '1/1', '--out', out);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { stats: { outcomes: Record<string, Record<string, number>>; states: Record<string, number>; steps: number } };
    const html = join(dir, 'campaign.html');
    cli('report', out, '-o', html);
    const png = join(dir, 'campaign.png');
    const dom = render(html, 1000, 1400, png);
    const bars = [...dom.matchAll(/class="bar" data-call="([^"]+)" data-outcome="([^"]+)" data-count="(\d+)"/g)];
    const expected = Object.entries(result.stats.outcomes).flatMap(([call, o]) => Object.entries(o).map(([k, n]) => `${call} ${k} ${n}`)).sort();
    expect(bars.map((m) => `${m[1]} ${m[2]} ${m[3]}`).sort()).toEqual(expected);
    expect([...dom.matchAll(/class="state" data-state="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(Object.keys(result.stats.states).sort());
    expect(dom).toContain(`<dd id="steps">${result.stats.steps}</dd>`);
    const img = decodePng(readFileSync(png));
    // Some bar of a successful outcome is drawn.
    let green = 0;
    for (let y = 0; y < img.height; y += 2) for (let x = 0; x < img.width; x += 2) if (near(img.pixel(x, y), rgb('#2ca02c'))) green++;
    expect(green).toBeGreaterThan(50);
  }, 300_000);
});
