/**
 * `spin validate --fix [--dry-run]`, the shell: read the stack file, gate it, ask the engine for
 * the digests of unpinned images (only when it answers), let the pure planner decide the edits,
 * gate the fixed text again, print the diff and what is left for a person, and write the file.
 */
import { statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connectDocker } from '../../drivers/docker/connect.js';
import { imagesToPin, planFixes, type AppliedFix, type SkippedFix } from '../../policy/fix/plan-fixes.js';
import type { ResolvedPolicy } from '../../policy/index.js';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../../stack/diagnostics.js';
import { STACK_FILE_NAMES } from '../../stack/load.js';
import { isWarning } from '../../stack/severity.js';
import type { FileReader } from '../../stack/source.js';
import { repoDigestOf } from '../../util/image-ref.js';
import { unifiedDiff } from '../../util/unified-diff.js';
import { CliError, EXIT, printJson } from '../output.js';
import { gateStack, jsonDiagnostic, type OpenedStack } from '../stack-gate.js';

export interface FixOptions {
  fix?: boolean;
  dryRun?: boolean;
  /** Commander's `--no-engine`: false when given. */
  engine?: boolean;
  json?: boolean;
}

/** How long the engine may take to answer a ping before `--fix` goes on without it. */
const ENGINE_PING_MS = 3000;

const NEEDS_A_PERSON =
  'needs a person (--fix only adds hardening; it never removes or rewrites what the stack asks for)';

const IMAGE_RULES = new Set(['image.latest', 'image.tag-required']);

/** Exit 0: valid after the fixes; 1: findings left for a person (safe fixes still written); 2: I/O. */
export async function runFix(
  stack: OpenedStack,
  policy: ResolvedPolicy,
  options: FixOptions,
): Promise<number> {
  const file = stack.file ?? STACK_FILE_NAMES.find((name) => isFile(path.join(stack.reader.root, name)));
  if (!file) {
    // Nothing to edit: the gate's own finding (stack.not-found), as `spin validate` prints it.
    const findings = errorsOf(await gateStack(stack, policy));
    if (options.json)
      printJson({
        file: null,
        changed: false,
        written: false,
        diff: '',
        applied: [],
        remaining: findings.map((d) => ({ ...jsonDiagnostic(d), reason: NEEDS_A_PERSON })),
        notes: [],
      });
    else for (const d of findings) console.error(`${formatDiagnostic(d)} (not fixed: ${NEEDS_A_PERSON})`);
    return EXIT.invalid;
  }
  const absolute = path.join(stack.reader.root, file);
  let before: string;
  try {
    before = await readFile(absolute, 'utf8');
  } catch (err) {
    throw new CliError(`${absolute}: ${(err as Error).message}`);
  }
  // The file as on disk (its bytes, even when they are not UTF-8); the overlay serves the fixed text.
  const findings = errorsOf(await gateStack(stack, policy));
  const notes: string[] = [];
  const digests = findings.some((d) => IMAGE_RULES.has(d.rule))
    ? await engineDigests(findings, before, options, notes)
    : undefined;
  const plan = planFixes({ file, text: before, findings, policy, digests });
  const after = plan.text;
  const remaining =
    after === before
      ? findings
      : errorsOf(await gateStack(stack, policy, overlay(stack.reader, file, after)));
  const unparsable = (list: Diagnostic[]) => list.some((d) => d.rule.startsWith('yaml.'));
  if (after !== before && unparsable(remaining) && !unparsable(findings)) {
    // The planner must never produce a file that no longer parses; refuse to write it if it did.
    throw new CliError(`${file}: the fixed file would not parse; nothing was written (please report this)`);
  }
  const diff = unifiedDiff(file, before, after);
  const write = after !== before && !options.dryRun;
  if (write) await writeFile(absolute, after);
  const left = explain(remaining, plan.skipped);
  if (options.json) {
    printJson({
      file,
      changed: after !== before,
      written: write,
      diff,
      applied: plan.applied,
      remaining: left.map(({ finding, reason }) => ({ ...jsonDiagnostic(finding), reason })),
      notes,
    });
  } else {
    printHuman(stack, file, diff, plan.applied, left, notes, { write, dryRun: options.dryRun === true });
  }
  return left.length === 0 ? EXIT.ok : EXIT.invalid;
}

function errorsOf(verdict: Awaited<ReturnType<typeof gateStack>>): Diagnostic[] {
  return verdict.ok ? [] : sortDiagnostics(verdict.diagnostics.filter((d) => !isWarning(d)));
}

interface Left {
  finding: Diagnostic;
  reason: string;
}

/** Every finding left after the fixes, with why `--fix` did not answer it. */
function explain(remaining: Diagnostic[], skipped: SkippedFix[]): Left[] {
  return remaining.map((finding) => {
    const why = skipped.find((s) => s.finding.rule === finding.rule && s.finding.path === finding.path);
    return {
      finding,
      reason: why?.reason ?? NEEDS_A_PERSON,
    };
  });
}

function printHuman(
  stack: OpenedStack,
  file: string,
  diff: string,
  applied: AppliedFix[],
  left: Left[],
  notes: string[],
  how: { write: boolean; dryRun: boolean },
): void {
  if (diff) process.stdout.write(diff);
  for (const note of notes) console.error(`spin: ${note}`);
  for (const { finding, reason } of left)
    console.error(`${formatDiagnostic(finding)} (not fixed: ${reason})`);
  const label = path.join(stack.label, stack.file ? '' : file);
  const changes = `${applied.length} fix${applied.length === 1 ? '' : 'es'}`;
  const done = !diff
    ? 'nothing to change'
    : how.dryRun
      ? `${changes} (dry run, not written)`
      : `${changes} written`;
  const verdict = left.length === 0 ? 'valid' : `${left.length} left for a person`;
  console.log(`${label}: ${done}; ${verdict}`);
}

/** A reader that serves `text` for the stack file (the fixed text before it is written). */
function overlay(reader: FileReader, file: string, text: string): FileReader {
  const bytes = new TextEncoder().encode(text);
  return {
    readFile: (p) => (p === file ? Promise.resolve(bytes) : reader.readFile(p)),
    fileSize: (p) =>
      p === file ? Promise.resolve(bytes.length) : (reader.fileSize?.(p) ?? Promise.resolve(undefined)),
  };
}

/**
 * The registry digests the engine holds for the unpinned images, by reference as written; the
 * engine is only asked when it answers a ping in time. Undefined (and a note) when not asked.
 */
async function engineDigests(
  findings: Diagnostic[],
  text: string,
  options: FixOptions,
  notes: string[],
): Promise<Map<string, string> | undefined> {
  if (options.engine === false) {
    notes.push('--no-engine: images were not pinned');
    return undefined;
  }
  const refs = imagesToPin(text, findings);
  const docker = connectDocker();
  try {
    await withTimeout(docker.ping(), ENGINE_PING_MS);
  } catch {
    notes.push(
      'the Docker engine did not answer, so images were not pinned (pin a version tag, or retry with the engine up)',
    );
    return undefined;
  }
  const digests = new Map<string, string>();
  for (const ref of refs) {
    try {
      const info = (await docker.getImage(ref).inspect()) as { RepoDigests?: string[] };
      const digest = repoDigestOf(ref, info.RepoDigests);
      if (digest) digests.set(ref, digest);
    } catch {
      // Not on the engine: the planner says so for that image.
    }
  }
  return digests;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
