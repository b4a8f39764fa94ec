/**
 * 5. Validation in-process: loadDesired (parse, interpolate, schema, unsupported keys, normalise,
 * policy, hashes) with the built-in default policy (its per-project container cap raised to 200),
 * over a generated 200-service stack (hardened, valid) and over every compose file of the
 * awesome-compose corpus (mostly refused: `build:`, no hardening; the time to the verdict is what
 * is measured). Median ms per file over repetitions after a warm-up. Baseline for the 200-service
 * stack: `docker-compose -f F config -q`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolvePolicy, type ResolvedPolicy } from '../src/policy/index.js';
import { loadDesired } from '../src/reconciler/desired.js';
import { dockerRules } from '../src/drivers/docker/rules.js';
import { loadStack } from '../src/stack/load.js';
import { FolderReader } from '../src/stack/fs-reader.js';
import { COMPOSE } from './lib/engine.js';
import type { BenchResult, Figure } from './lib/report.js';
import { composeFile, spinStack } from './lib/stacks.js';
import { median, nowMs, percentile, round } from './lib/util.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus/awesome-compose');
const STACK_FILE = /^(docker-)?compose\.ya?ml$/;
const BIG_SERVICES = 200;
const BIG_REPS = 30;
const CORPUS_REPS = 20;

export async function benchValidate(_opts: Record<string, never>): Promise<BenchResult> {
  // The default policy, with its per-project container cap (100) raised to the big stack's size:
  // what is timed is validation of every service, not the cap's early refusal.
  const built = resolvePolicy('bench', {
    bench: { resources: { maxContainersPerProject: BIG_SERVICES } },
  });
  if (!built.ok) throw new Error(built.error);
  const policy = built.policy;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-validate-'));
  const details: Record<string, unknown> = {};
  const notes: string[] = [];
  const figures: Figure[] = [];
  try {
    await writeFile(path.join(tmp, 'compose.yaml'), spinStack({ services: BIG_SERVICES }));
    const big = await timeFile(tmp, 'compose.yaml', policy, BIG_REPS);
    if (!big.ok)
      throw new Error(`the generated ${BIG_SERVICES}-service stack was refused: ${big.firstProblem}`);
    const composeYml = path.join(tmp, 'docker-compose.yml');
    await writeFile(composeYml, composeFile({ services: BIG_SERVICES }));
    const composeRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = nowMs();
      await execFileP(COMPOSE, ['-f', composeYml, 'config', '-q']);
      composeRuns.push(nowMs() - t0);
    }
    details.bigStack = {
      services: BIG_SERVICES,
      reps: BIG_REPS,
      medianMs: round(big.medianMs, 2),
      p95Ms: round(big.p95Ms, 2),
    };
    details.composeConfigMs = composeRuns.map((v) => round(v));
    figures.push({
      bench: 'validate',
      metric: `schema + policy, generated ${BIG_SERVICES}-service stack (median of ${BIG_REPS}; compose: config -q)`,
      unit: 'ms',
      spin: big.medianMs,
      compose: median(composeRuns),
      ratio: big.medianMs / median(composeRuns),
      ratioKind: 'spin/compose',
    });

    if (!existsSync(CORPUS)) {
      notes.push(`validate: corpus ${CORPUS} not found, skipped`);
    } else {
      const files = await corpusFiles(CORPUS);
      const perFile: { file: string; medianMs: number; verdict: string; problems: number }[] = [];
      for (const file of files) {
        const r = await timeFile(path.dirname(file), path.basename(file), policy, CORPUS_REPS);
        perFile.push({
          file: path.relative(CORPUS, file),
          medianMs: round(r.medianMs, 3),
          verdict: r.verdict,
          problems: r.problems,
        });
      }
      const medians = perFile.map((f) => f.medianMs);
      const verdicts: Record<string, number> = {};
      for (const f of perFile) verdicts[f.verdict] = (verdicts[f.verdict] ?? 0) + 1;
      details.corpus = {
        files: files.length,
        reps: CORPUS_REPS,
        medianMs: round(median(medians), 3),
        p95Ms: round(percentile(medians, 95), 3),
        maxMs: round(Math.max(...medians), 3),
        verdicts,
        perFile,
      };
      figures.push({
        bench: 'validate',
        metric: `awesome-compose corpus, ${files.length} files: ms per file (median; max ${round(Math.max(...medians), 2)})`,
        unit: 'ms',
        spin: median(medians),
      });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { name: 'validate', figures, details, notes };
}

async function corpusFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await corpusFiles(full)));
    else if (STACK_FILE.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/** loadDesired over one file, `reps` times after one warm-up; the verdict says where it stopped. */
async function timeFile(
  dir: string,
  file: string,
  policy: ResolvedPolicy,
  reps: number,
): Promise<{
  ok: boolean;
  medianMs: number;
  p95Ms: number;
  verdict: string;
  problems: number;
  firstProblem?: string;
}> {
  const reader = new FolderReader(dir);
  const input = { project: 'bench', env: {}, stackDir: '', policy, file, engine: dockerRules };
  const first = await loadDesired(reader, 'bench', input);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = nowMs();
    await loadDesired(reader, 'bench', input);
    times.push(nowMs() - t0);
  }
  let verdict = 'valid';
  if (!first.ok) {
    // Refused while loading (YAML, schema, unsupported keys) or, after loading, by the policy.
    const loaded = await loadStack(reader, { project: 'bench', env: {}, file });
    verdict = loaded.ok ? 'refused by policy' : 'refused by schema/load';
  }
  return {
    ok: first.ok,
    medianMs: median(times),
    p95Ms: percentile(times, 95),
    verdict,
    problems: first.ok ? 0 : first.diagnostics.length,
    firstProblem: first.ok ? undefined : `${first.diagnostics[0]?.rule}: ${first.diagnostics[0]?.message}`,
  };
}
