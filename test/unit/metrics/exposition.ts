/**
 * A strict parser for the Prometheus text exposition format (0.0.4), so the tests check what a
 * scraper would accept rather than what prom-client happens to print.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parseExposition(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n').slice(0, -1);

  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === '') return; // the format ignores empty lines (prom-client separates families with one)
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (keyword === 'HELP') {
        if (helps.has(name)) throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        helps.set(name, rest);
        return;
      }
      if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
      if (families.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
      if (current) closed.add(current.name);
      current = { name, type: rest as Family['type'], samples: [] };
      families.set(name, current);
      return;
    }
    const sample = parseSample(line, where);
    const family = current;
    if (!family || !SUFFIXES[family.type].some((s) => sample.name === family.name + s)) {
      throw new Error(`${where}: sample outside its family (TYPE missing, or families interleaved)`);
    }
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (family.samples.some((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}` === key)) {
      throw new Error(`${where}: duplicate sample`);
    }
    family.samples.push(sample);
  });

  for (const [name, help] of helps) {
    const family = families.get(name);
    if (!family) throw new Error(`HELP for ${name} without TYPE`);
    family.help = help;
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)(?: (-?\d+))?$/.exec(line);
  if (!m) throw new Error(`${where}: not a sample`);
  const [, name = '', rawLabels, rawValue = ''] = m;
  return { name, labels: rawLabels ? parseLabels(rawLabels, where) : {}, value: parseValue(rawValue, where) };
}

function parseLabels(raw: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = raw.slice(1, -1);
  while (rest.length > 0) {
    const m = /^([^=]+)="((?:[^"\\]|\\[\\"n])*)"(,?)/.exec(rest);
    if (!m) throw new Error(`${where}: bad label syntax`);
    const [all, name = '', value = '', comma] = m;
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`${where}: bad label name ${name}`);
    if (name in labels) throw new Error(`${where}: duplicate label ${name}`);
    labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(all.length);
    if (!comma && rest.length > 0) throw new Error(`${where}: missing comma between labels`);
  }
  return labels;
}

function parseValue(raw: string, where: string): number {
  // Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case;
  // prom-client prints NaN as "Nan" (the event-loop lag mean before the first sample).
  if (/^\+?inf$/i.test(raw)) return Infinity;
  if (/^-inf$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`${where}: bad value ${raw}`);
  return Number(raw);
}

/** Buckets ascend by `le`, counts are cumulative, and the +Inf bucket equals _count. */
function checkHistogram(family: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (!series.has(key)) series.set(key, []);
    if (s.name.endsWith('_bucket') && le === undefined) throw new Error(`${family.name}: bucket without le`);
    series.get(key)?.push(s);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
    const count = samples.find((s) => s.name.endsWith('_count'));
    const les = buckets.map((b) => parseValue(b.labels.le ?? '', family.name));
    if (les.some((le, i) => i > 0 && le <= (les[i - 1] ?? -Infinity)))
      throw new Error(`${family.name} ${key}: le order`);
    if (buckets.some((b, i) => i > 0 && b.value < (buckets[i - 1]?.value ?? 0)))
      throw new Error(`${family.name} ${key}: buckets not cumulative`);
    const inf = buckets.at(-1);
    if (!inf || inf.labels.le !== '+Inf') throw new Error(`${family.name} ${key}: no +Inf bucket`);
    if (!count || count.value !== inf.value) throw new Error(`${family.name} ${key}: +Inf bucket != _count`);
    if (!samples.some((s) => s.name.endsWith('_sum'))) throw new Error(`${family.name} ${key}: no _sum`);
  }
}

/** The value of one sample, or undefined when no sample has exactly these labels. */
export function sampleValue(
  families: Map<string, Family>,
  family: string,
  labels: Record<string, string>,
  sampleName = family,
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return families
    .get(family)
    ?.samples.find((s) => s.name === sampleName && JSON.stringify(Object.entries(s.labels).sort()) === want)
    ?.value;
}
