/** What a benchmark reports, and the table the runner prints. */

export interface Figure {
  /** Benchmark name (cold, change, ...). */
  bench: string;
  metric: string;
  unit: string;
  spin: number;
  /** docker-compose 1.29 measured in the same run on the same stack, when there is a counterpart. */
  compose?: number;
  /** spin / compose, or compose / spin for "x cheaper" figures (see `ratioKind`). */
  ratio?: number;
  ratioKind?: 'spin/compose' | 'compose/spin';
  goal?: string;
  pass?: boolean;
}

export interface BenchResult {
  name: string;
  figures: Figure[];
  /** Everything else measured: per-run samples, call counts, profiles of phases. */
  details: Record<string, unknown>;
  notes: string[];
  error?: string;
}

export function fmt(value: number | undefined, unit = ''): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

function ratioText(f: Figure): string {
  if (f.ratio === undefined || Number.isNaN(f.ratio)) return '-';
  return f.ratioKind === 'compose/spin' ? `${fmt(f.ratio)}x cheaper` : `${fmt(f.ratio)}x`;
}

export function formatTable(results: BenchResult[]): string {
  const rows = [['bench', 'metric', 'Spin', 'compose 1.29', 'ratio', 'goal', 'verdict']];
  for (const r of results) {
    if (r.error) rows.push([r.name, 'ERROR', r.error.slice(0, 80), '', '', '', 'FAILED']);
    for (const f of r.figures) {
      rows.push([
        f.bench,
        f.metric,
        fmt(f.spin, f.unit),
        f.compose === undefined ? '-' : fmt(f.compose, f.unit),
        ratioText(f),
        f.goal ?? '',
        f.pass === undefined ? '' : f.pass ? 'PASS' : 'MISS',
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}
