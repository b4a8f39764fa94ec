/**
 * Just enough of semantic versioning to follow a range among a registry's tags: versions are
 * `MAJOR.MINOR.PATCH` (a leading `v` allowed, as many images tag), ranges are npm's common forms:
 * `~1.4` (>=1.4.0 <1.5.0), `^1.4` (>=1.4.0 <2.0.0; `^0.4` stays below 0.5), x-ranges (`1.x`,
 * `1.4.*`, `1`, `*`), comparators (`>=1.2 <2`, `>1.4.0`, `<=2`, `=1.4.2`, a bare exact version)
 * and `||` between sets. Pre-releases (`1.5.0-rc.1`) and build tags (`1.5.0-alpine`) never
 * match: an image update should never move a service onto one by itself.
 */

export type Version = readonly [number, number, number];

interface Comparator {
  op: '<' | '<=' | '>' | '>=' | '=';
  version: Version;
}

/** One `||` alternative: every comparator must hold. */
type ComparatorSet = Comparator[];

/** A parsed range: any set may hold. */
export interface SemverRange {
  text: string;
  sets: ComparatorSet[];
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** A partial version as ranges write it: `1`, `1.4`, `1.4.2`, with `x`/`X`/`*` wildcards. */
const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/;

/** The version a tag names, or undefined (`latest`, `1.4`, `1.4.2-rc.1`, `1.4.2-alpine`). */
export function parseVersion(tag: string): Version | undefined {
  const m = VERSION.exec(tag);
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  return parts.every(Number.isSafeInteger) ? parts : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The range, or undefined when it is not one this matcher reads. */
export function parseRange(text: string): SemverRange | undefined {
  const alternatives = text.trim().split('||');
  const sets: ComparatorSet[] = [];
  for (const alternative of alternatives) {
    // `>= 1.2` is written with a space at times: join an operator to its version first.
    const words = alternative
      .trim()
      .replace(/(<=|>=|<|>|=)\s+/g, '$1')
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length === 0) return undefined;
    const set: ComparatorSet = [];
    for (const word of words) {
      const comparators = parseWord(word);
      if (!comparators) return undefined;
      set.push(...comparators);
    }
    sets.push(set);
  }
  return { text: text.trim(), sets };
}

export function satisfies(version: Version, range: SemverRange): boolean {
  return range.sets.some((set) => set.every((c) => holds(version, c)));
}

/**
 * The highest tag that names a version in `range` (ties, like `v1.4.3` beside `1.4.3`, go to
 * the spelling without `v`), or undefined when none does.
 */
export function highestMatching(tags: readonly string[], range: SemverRange): string | undefined {
  let best: { tag: string; version: Version } | undefined;
  for (const tag of tags) {
    const version = parseVersion(tag);
    if (!version || !satisfies(version, range)) continue;
    const order = best ? compareVersions(version, best.version) : 1;
    if (order > 0 || (order === 0 && best?.tag.startsWith('v') && !tag.startsWith('v'))) {
      best = { tag, version };
    }
  }
  return best?.tag;
}

function holds(v: Version, c: Comparator): boolean {
  const order = compareVersions(v, c.version);
  switch (c.op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '=':
      return order === 0;
  }
}

/** A partial's numbers up to its first wildcard or missing part. */
function partial(text: string): number[] | undefined {
  const m = PARTIAL.exec(text);
  if (!m) return undefined;
  const numbers: number[] = [];
  for (const part of [m[1], m[2], m[3]]) {
    if (part === undefined || /^[xX*]$/.test(part)) break;
    const n = Number(part);
    if (!Number.isSafeInteger(n)) return undefined;
    numbers.push(n);
  }
  return numbers;
}

const v = (major: number, minor = 0, patch = 0): Version => [major, minor, patch];

/** `[>= lower, < upper]` for a partial written bare or with `=`: `1.4` is `>=1.4.0 <1.5.0`. */
function xRange(p: number[]): Comparator[] {
  const [major, minor, patch] = p;
  if (major === undefined) return [];
  if (minor === undefined)
    return [
      { op: '>=', version: v(major) },
      { op: '<', version: v(major + 1) },
    ];
  if (patch === undefined) {
    return [
      { op: '>=', version: v(major, minor) },
      { op: '<', version: v(major, minor + 1) },
    ];
  }
  return [{ op: '=', version: v(major, minor, patch) }];
}

function parseWord(word: string): Comparator[] | undefined {
  if (word.startsWith('~')) {
    const p = partial(word.slice(1).replace(/^>/, ''));
    if (!p || p.length === 0) return p && [];
    const [major = 0, minor, patch = 0] = p;
    if (minor === undefined) return xRange(p);
    return [
      { op: '>=', version: v(major, minor, patch) },
      { op: '<', version: v(major, minor + 1) },
    ];
  }
  if (word.startsWith('^')) {
    const p = partial(word.slice(1));
    if (!p || p.length === 0) return p && [];
    const [major = 0, minor, patch] = p;
    const lower: Comparator = { op: '>=', version: v(major, minor ?? 0, patch ?? 0) };
    // The first non-zero part given is the one that may not change.
    if (major > 0 || minor === undefined) return [lower, { op: '<', version: v(major + 1) }];
    if (minor > 0 || patch === undefined) return [lower, { op: '<', version: v(0, minor + 1) }];
    return [lower, { op: '<', version: v(0, 0, patch + 1) }];
  }
  const m = /^(<=|>=|<|>|=)?(.*)$/.exec(word);
  const op = (m?.[1] ?? '') as Comparator['op'] | '';
  const p = partial(m?.[2] ?? '');
  if (!p) return undefined;
  if (op === '' || op === '=') return xRange(p);
  if (p.length === 0) return op === '<' || op === '>' ? undefined : [];
  const [major = 0, minor, patch] = p;
  const full = p.length === 3;
  switch (op) {
    case '>=':
      return [{ op: '>=', version: v(major, minor ?? 0, patch ?? 0) }];
    case '<':
      return [{ op: '<', version: v(major, minor ?? 0, patch ?? 0) }];
    case '>':
      // `>1.4` means above every 1.4.x.
      if (full) return [{ op: '>', version: v(major, minor, patch) }];
      return [{ op: '>=', version: minor === undefined ? v(major + 1) : v(major, minor + 1) }];
    case '<=':
      if (full) return [{ op: '<=', version: v(major, minor, patch) }];
      return [{ op: '<', version: minor === undefined ? v(major + 1) : v(major, minor + 1) }];
  }
}
