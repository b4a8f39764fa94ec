import { describe, expect, it } from 'vitest';
import { compareTable, type ResultFile } from '../../../bench/compare.js';
import type { Figure } from '../../../bench/lib/report.js';

const figure = (metric: string, spin: number, ratio?: number): Figure => ({
  bench: 'cold',
  metric,
  unit: 'ms',
  spin,
  ratio,
  ratioKind: 'spin/compose',
});

const run = (label: string, figures: Figure[]): ResultFile => ({
  label,
  figures: new Map(figures.map((f) => [`${f.bench}\u0000${f.metric}`, f])),
});

describe('bench compare', () => {
  it('matches figures by benchmark and metric and shows each run its own ratio', () => {
    const table = compareTable([
      run('before', [figure('commit to running', 1200, 0.8), figure('engine calls', 40)]),
      run('after', [figure('commit to running', 1100, 0.7), figure('first action', 90)]),
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toBe('| bench | metric | before | before ratio | after | after ratio |');
    expect(lines).toContain('| cold | commit to running | 1200 ms | 0.80x | 1100 ms | 0.70x |');
    // A figure one run lacks is a dash, not a zero.
    expect(lines).toContain('| cold | engine calls | 40.0 ms | - | - | - |');
    expect(lines).toContain('| cold | first action | - | - | 90.0 ms | - |');
  });
});
