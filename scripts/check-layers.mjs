#!/usr/bin/env node
// Checks the imports between src/'s top-level folders against a declared order (lowest first):
// a file may import its own folder and any folder below it, never one above. Imports that ran
// upward when this check was introduced are listed in scripts/layers-baseline.txt (debt to pay
// off, see issue 14); any other upward import, and any import circle between files, fails.
//   node scripts/check-layers.mjs            check (exit 1 on a new violation)
//   node scripts/check-layers.mjs --update   rewrite the baseline to what is there now
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
const BASELINE = path.join(ROOT, 'scripts', 'layers-baseline.txt');

/**
 * Lowest first. Vocabulary and pure cores at the bottom, the composition roots at the top:
 * `model` is the words every layer shares (health, plan summary, what runs on the engine, the
 * status config); `access` is who may do what (roles, grants, the token store; the config maps
 * token files to roles, so it sits below it); `config` composes policies and trust keys by name
 * (so sits above them) and is read by the secrets, git sources and forges (so sits below them);
 * `cli` holds the composition roots (`spin daemon`'s is src/cli/run-daemon.ts).
 */
const ORDER = [
  'util',
  'model',
  'stack',
  'trust',
  'policy',
  'access',
  'config',
  'secrets',
  'git',
  'forge',
  'drivers',
  'status',
  'store',
  'metrics',
  'reconciler',
  'dashboard',
  'webhooks',
  'daemon',
  'api',
  'cli',
];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Relative imports of one file, as src-relative .ts paths (type-only imports included). */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    const target = path.resolve(path.dirname(file), m[1]).replace(/\.js$/, '.ts');
    out.push(path.relative(SRC, target));
  }
  return out;
}

const folderOf = (rel) => (rel.includes(path.sep) ? rel.split(path.sep)[0] : '(root)');
const rank = (folder) => ORDER.indexOf(folder);

const files = walk(SRC).map((f) => path.relative(SRC, f));
const graph = new Map(files.map((f) => [f, importsOf(path.join(SRC, f))]));

const problems = [];
const upward = [];
for (const [from, targets] of graph) {
  const a = folderOf(from);
  if (a !== '(root)' && rank(a) < 0)
    problems.push(`src/${from}: folder "${a}" is not in ORDER (scripts/check-layers.mjs)`);
  for (const to of targets) {
    const b = folderOf(to);
    if (a === b || a === '(root)' || rank(b) < 0) continue;
    if (rank(b) > rank(a)) upward.push(`src/${from} -> src/${to}`);
  }
}

// Circles between files (Tarjan's strongly connected components).
let index = 0;
const stack = [];
const meta = new Map();
const circles = [];
function strong(v) {
  meta.set(v, { index, low: index, on: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!meta.has(w)) {
      strong(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).on) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).on = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1)
      circles.push(
        `circle: ${component
          .sort()
          .map((f) => `src/${f}`)
          .join(' <-> ')}`,
      );
  }
}
for (const v of graph.keys()) if (!meta.has(v)) strong(v);

// Engine neutrality (issue 14): above the drivers, only the composition roots (src/cli/) see an
// engine's own folder; everyone else speaks the resource contract (src/drivers/driver.ts).
const ENGINE_FOLDERS = ['drivers/docker/'];
const NEUTRAL = ['reconciler', 'daemon', 'api', 'dashboard', 'webhooks', 'status', 'store', 'metrics'];
const engineBound = [];
for (const [from, targets] of graph) {
  if (!NEUTRAL.includes(folderOf(from))) continue;
  for (const to of targets) {
    if (ENGINE_FOLDERS.some((f) => to.split(path.sep).join('/').startsWith(f)))
      engineBound.push(`src/${from} -> src/${to} (engine-specific: go through src/drivers/driver.ts)`);
  }
}

const found = [...upward, ...circles, ...engineBound].sort();
if (process.argv.includes('--update')) {
  writeFileSync(BASELINE, `${found.join('\n')}\n`);
  console.log(`[check-layers] baseline rewritten: ${found.length} known violation(s)`);
  process.exit(0);
}
const baseline = new Set(
  readFileSync(BASELINE, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean),
);
const fresh = found.filter((v) => !baseline.has(v));
const paid = [...baseline].filter((v) => !found.includes(v));
for (const p of problems) console.error(`[check-layers] ${p}`);
for (const v of fresh) console.error(`[check-layers] new upward import or circle: ${v}`);
if (paid.length)
  console.log(`[check-layers] ${paid.length} baseline entr(ies) no longer occur: run with --update`);
if (problems.length || fresh.length) {
  console.error(`[check-layers] order (lowest first): ${ORDER.join(' < ')}`);
  process.exit(1);
}
console.log(
  `[check-layers] ok: ${files.length} files, ${baseline.size - paid.length} known violation(s) left`,
);
