/**
 * `npx tsx bench/compare.ts BEFORE.json AFTER.json [MORE.json...]`
 * Puts the figures of several `npm run bench` result files side by side (e.g. an older build run
 * with `--spin-bin`, then this one), matched by benchmark and metric. Absolute figures swing with
 * the machine's load, so the column to read is each run's own ratio: Spin against the peer or the
 * floor measured in that same run. Prints a Markdown table; a figure a run lacks shows as `-`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fmt, type BenchResult, type Figure } from './lib/report.js';

export interface ResultFile {
  label: string;
  date?: string;
  /** The build measured: the bench's own version, and the other build's bin when one was run. */
  build?: string;
  loadAtStart?: number[];
  figures: Map<string, Figure>;
}

const keyOf = (f: Figure) => `${f.bench}\u0000${f.metric}`;

async function load(file: string): Promise<ResultFile> {
  const json = JSON.parse(await readFile(file, 'utf8')) as {
    date?: string;
    machine?: { loadAverageAtStart?: number[] };
    versions?: { spin?: string; spinBin?: string };
    options?: { label?: string; spinBin?: string };
    results: BenchResult[];
  };
  const figures = new Map<string, Figure>();
  for (const result of json.results) for (const f of result.figures) figures.set(keyOf(f), f);
  return {
    label: json.options?.label ?? path.basename(file, '.json'),
    date: json.date,
    build: [json.versions?.spin, json.options?.spinBin ? `bin ${json.options.spinBin}` : undefined]
      .filter(Boolean)
      .join(', '),
    loadAtStart: json.machine?.loadAverageAtStart,
    figures,
  };
}

function ratioCell(f: Figure | undefined): string {
  if (f?.ratio === undefined || Number.isNaN(f.ratio)) return '-';
  return f.ratioKind === 'compose/spin' ? `${fmt(f.ratio)}x cheaper` : `${fmt(f.ratio)}x`;
}

/** Pure: the side-by-side table of the runs' figures, in the first run's order, then the rest. */
export function compareTable(runs: ResultFile[]): string {
  const keys: string[] = [];
  for (const run of runs) for (const key of run.figures.keys()) if (!keys.includes(key)) keys.push(key);
  const header = ['bench', 'metric', ...runs.flatMap((r) => [`${r.label}`, `${r.label} ratio`])];
  const rows = keys.map((key) => {
    const [bench = '', metric = ''] = key.split('\u0000');
    return [
      bench,
      metric,
      ...runs.flatMap((r) => {
        const f = r.figures.get(key);
        return [f ? fmt(f.spin, f.unit) : '-', ratioCell(f)];
      }),
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const files = process.argv.slice(2);
  if (files.length < 2) {
    console.error('usage: npx tsx bench/compare.ts BEFORE.json AFTER.json [MORE.json...]');
    process.exit(2);
  }
  const runs = await Promise.all(files.map(load));
  for (const run of runs) {
    const load = run.loadAtStart ? `, load at start ${run.loadAtStart.join(' ')}` : '';
    console.log(`- ${run.label}: ${run.date ?? '?'}, ${run.build ?? '?'}${load}`);
  }
  console.log('');
  console.log(compareTable(runs));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
