/**
 * `npm run bench [-- NAME...] [--reps N] [--spin-bin PATH] [--no-build] [--no-webhook] [--label L]`
 * Runs the benchmarks (all six by default), prints a table and writes the JSON results to
 * bench/results/<timestamp>[-label].json (also printed to stdout at the end). See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { benchChange } from './change.js';
import { benchCold } from './cold.js';
import { benchDrift } from './drift.js';
import { getSpinBin, setSpinBin } from './lib/daemon-process.js';
import { engineVersion, ensureCompose } from './lib/engine.js';
import { formatTable, type BenchResult } from './lib/report.js';
import { errorText, loadAverage, runAllCleanups } from './lib/util.js';
import { benchPolling } from './polling.js';
import { benchSteady } from './steady.js';
import { benchSwarmCold } from './swarm-cold.js';
import { benchSwarmSteady } from './swarm-steady.js';
import { benchTicks } from './ticks.js';
import { benchValidate } from './validate.js';

const execFileP = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(ROOT, 'bench/results');
const ALL = [
  'cold',
  'change',
  'steady',
  'polling',
  'validate',
  'ticks',
  'drift',
  'swarm-cold',
  'swarm-steady',
] as const;
type BenchName = (typeof ALL)[number];

interface Options {
  names: BenchName[];
  reps: number;
  spinBin?: string;
  build: boolean;
  webhook: boolean;
  label?: string;
  steadyComposeSample: number;
  steadyConcurrency?: number;
  steadyGitConcurrency?: number;
  profile: boolean;
  profileDaemon: boolean;
  heapSnapshot: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    names: [],
    reps: 3,
    build: true,
    webhook: true,
    steadyComposeSample: 10,
    profile: true,
    profileDaemon: false,
    heapSnapshot: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--reps') options.reps = Math.max(1, Number(value()));
    else if (arg === '--spin-bin') options.spinBin = value();
    else if (arg === '--no-build') options.build = false;
    else if (arg === '--no-webhook') options.webhook = false;
    else if (arg === '--label') options.label = value();
    else if (arg === '--steady-compose-sample') options.steadyComposeSample = Math.max(1, Number(value()));
    else if (arg === '--steady-concurrency') options.steadyConcurrency = Math.max(1, Number(value()));
    else if (arg === '--steady-git-concurrency') options.steadyGitConcurrency = Math.max(1, Number(value()));
    else if (arg === '--no-profile') options.profile = false;
    else if (arg === '--profile-daemon') options.profileDaemon = true;
    else if (arg === '--heap-snapshot') options.heapSnapshot = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(`usage: npm run bench -- [${ALL.join('|')}]... [--reps N] [--spin-bin PATH] [--no-build]
       [--no-webhook] [--no-profile] [--profile-daemon] [--heap-snapshot] [--label L] [--steady-compose-sample N] [--steady-concurrency N] [--steady-git-concurrency N]`);
      process.exit(0);
    } else if ((ALL as readonly string[]).includes(arg)) options.names.push(arg as BenchName);
    else throw new Error(`unknown benchmark or option '${arg}' (benchmarks: ${ALL.join(', ')})`);
  }
  if (options.names.length === 0) options.names = [...ALL];
  return options;
}

async function version(cmd: string, args: string[]): Promise<string> {
  try {
    return (await execFileP(cmd, args)).stdout.trim().split('\n')[0] ?? '';
  } catch {
    return 'unknown';
  }
}

/** The commit the measured source comes from (+dirty when the work tree differs); never touches the index. */
async function sourceRevision(): Promise<string> {
  const head = await version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = await version('git', [
    '-C',
    ROOT,
    '--no-optional-locks',
    'status',
    '--porcelain',
    '--untracked-files=no',
  ]);
  return dirty && dirty !== 'unknown' ? `${head}+dirty` : head;
}

async function prepare(options: Options): Promise<void> {
  if (options.spinBin) setSpinBin(options.spinBin);
  else if (options.build) {
    // The process benchmarks run bin/spin over dist/: build it from the current source first.
    console.error('building dist/ (tsc -p tsconfig.build.json)...');
    try {
      await execFileP(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT });
    } catch (err) {
      const out = (err as { stdout?: string }).stdout ?? errorText(err);
      if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error(`build failed: ${out}`);
      console.error(`warning: tsc reported errors; dist/ was still emitted:\n${out.slice(0, 2000)}`);
    }
  }
  try {
    await execFileP('docker', ['image', 'inspect', 'spin-test/busybox:1']);
  } catch {
    console.error('building the local test images (scripts/build-test-images.sh)...');
    await execFileP('bash', [path.join(ROOT, 'scripts/build-test-images.sh')], { cwd: ROOT });
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const stop = (signal: string) => {
    console.error(`${signal}: cleaning up...`);
    void runAllCleanups().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  await prepare(options);
  await mkdir(RESULTS, { recursive: true });
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const cpus = os.cpus();
  const started = new Date();
  const environment = {
    date: started.toISOString(),
    label: options.label,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      kernel: os.release(),
      loadAverageAtStart: await loadAverage(),
    },
    versions: {
      spin: `${pkg.version} (${await sourceRevision()})`,
      spinBin: getSpinBin(),
      node: process.version,
      dockerEngine: await engineVersion(),
      dockerCompose: await ensureCompose(),
      git: await version('git', ['--version']),
    },
    options,
  };
  console.error(
    `spin bench: ${options.names.join(', ')} on ${cpus.length} cores, ${environment.versions.spin}`,
  );

  const results: BenchResult[] = [];
  try {
    for (const name of options.names) {
      console.error(`\n== ${name}`);
      const t0 = Date.now();
      let result: BenchResult;
      try {
        result = await runOne(name, options);
      } catch (err) {
        console.error(err instanceof Error ? err.stack : String(err));
        result = { name, figures: [], details: {}, notes: [], error: errorText(err) };
      } finally {
        await runAllCleanups();
      }
      result.details.benchDurationS = Math.round((Date.now() - t0) / 1000);
      results.push(result);
      console.error(formatTable([result]));
    }
  } finally {
    await runAllCleanups();
  }

  const table = formatTable(results);
  const report = { ...environment, finished: new Date().toISOString(), table, results };
  const dir = RESULTS;
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const file = path.join(
    dir,
    `${stamp}${options.label ? `-${options.label.replace(/[^\w.-]+/g, '_')}` : ''}.json`,
  );
  const json = JSON.stringify(report, null, 2);
  await writeFile(file, `${json}\n`);
  await writeFile(path.join(dir, 'latest.json'), `${json}\n`);
  console.log(`\n${table}\n`);
  for (const r of results) for (const note of r.notes) console.log(`note (${r.name}): ${note}`);
  console.log(`\nresults: ${path.relative(process.cwd(), file)}\n`);
  console.log(json);
  return results.some((r) => r.error) ? 1 : 0;
}

function runOne(name: BenchName, options: Options): Promise<BenchResult> {
  switch (name) {
    case 'cold':
      return benchCold({ reps: options.reps });
    case 'change':
      return benchChange({ reps: options.reps, webhook: options.webhook });
    case 'steady':
      return benchSteady({
        passes: options.reps,
        composeSample: options.steadyComposeSample,
        concurrency: options.steadyConcurrency,
        gitConcurrency: options.steadyGitConcurrency,
        profileFile: options.profile ? path.join(RESULTS, `steady-pass-${Date.now()}.cpuprofile`) : undefined,
      });
    case 'polling':
      return benchPolling({
        changes: options.reps,
        profileDir: options.profileDaemon ? path.join(RESULTS, `polling-daemon-${Date.now()}`) : undefined,
        heapSnapshotDir: options.heapSnapshot ? path.join(RESULTS, `polling-heap-${Date.now()}`) : undefined,
      });
    case 'validate':
      return benchValidate({});
    case 'drift':
      return benchDrift({ reps: options.reps });
    case 'swarm-cold':
      return benchSwarmCold({ reps: options.reps });
    case 'swarm-steady':
      return benchSwarmSteady();
    case 'ticks':
      return benchTicks({
        profileDir: options.profileDaemon ? path.join(RESULTS, `ticks-daemon-${Date.now()}`) : undefined,
      });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    void runAllCleanups().finally(() => process.exit(2));
  },
);
