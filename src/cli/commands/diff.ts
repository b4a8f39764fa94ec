import type { Command } from 'commander';
import type { DiffPreview } from '../../reconciler/diff-preview.js';
import { describeChange, describeServiceDiff, serviceHeadline } from '../../reconciler/spec-diff.js';
import { withExit } from '../action.js';
import { apiRequest, serverOptions, type ServerOptions, projectRef } from '../api-client.js';
import { EXIT, printJson, shortSha } from '../output.js';
import { printDiagnostics } from './validate.js';

/**
 * `spin diff`: per service, what would change and why, field by field, between what runs and
 * what the daemon would deploy. Environment variables are named, never shown.
 */
export function registerDiff(program: Command): void {
  serverOptions(
    program
      .command('diff')
      .description(
        'show, per service of PROJECT, which fields would change and why (values of environment never shown)',
      )
      .argument('<project>', 'project name')
      .option('--json', 'print JSON'),
  ).action(
    withExit(async (name: string, options: ServerOptions & { json?: boolean }) => {
      const diff = (await apiRequest(
        options,
        'GET',
        `/api/v1/projects/${projectRef(name)}/diff`,
      )) as DiffPreview;
      if (options.json) printJson(diff);
      else console.log(renderDiff(diff));
      if (!diff.valid) {
        if (!options.json) printDiagnostics(diff.diagnostics);
        return EXIT.invalid;
      }
      return EXIT.ok;
    }),
  );
}

/** Pure: the text `spin diff` prints, one block per service that changes. */
export function renderDiff(diff: DiffPreview): string {
  const running = diff.running.length ? diff.running.map(shortSha).join(', ') : 'nothing';
  const head = `${diff.project}: ${running} -> ${shortSha(diff.commit)}`;
  if (!diff.valid) return `${head}: commit refused, nothing would change`;
  const changed = diff.services.filter((s) => s.change !== 'none');
  if (changed.length === 0) return `${head}: no changes`;
  const lines = [head];
  for (const service of changed) {
    if (service.fields.length === 0) {
      lines.push(`  ${describeServiceDiff(service)}`);
      continue;
    }
    lines.push(`  ${serviceHeadline(service)}`);
    for (const field of service.fields) lines.push(`    ${describeChange(field)}`);
  }
  return lines.join('\n');
}
