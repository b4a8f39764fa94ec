import { describe, expect, it } from 'vitest';
import { parseExposition } from './exposition.js';

/** The parser the metrics tests rely on must itself refuse what a scraper would refuse. */
describe('parseExposition', () => {
  const ok = [
    '# HELP a_total Things.',
    '# TYPE a_total counter',
    'a_total{x="1",y="q\\"uote\\\\"} 3',
    'a_total 4.5e3 1700000000000',
    '# TYPE h histogram',
    'h_bucket{le="1"} 1',
    'h_bucket{le="+Inf"} 2',
    'h_sum 3.5',
    'h_count 2',
    '',
  ].join('\n');

  it('parses families, labels, escapes, values and timestamps', () => {
    const families = parseExposition(ok);
    expect(families.get('a_total')).toMatchObject({
      type: 'counter',
      help: 'Things.',
      samples: [
        { name: 'a_total', labels: { x: '1', y: 'q"uote\\' }, value: 3 },
        { name: 'a_total', labels: {}, value: 4500 },
      ],
    });
    expect(families.get('h')?.samples).toHaveLength(4);
  });

  it.each([
    ['no trailing newline', ok.trimEnd()],
    ['sample without TYPE', 'x 1\n'],
    ['bad value', '# TYPE x gauge\nx one\n'],
    ['unquoted label', '# TYPE x gauge\nx{a=1} 1\n'],
    ['bad label name', '# TYPE x gauge\nx{1a="1"} 1\n'],
    ['duplicate label', '# TYPE x gauge\nx{a="1",a="2"} 1\n'],
    ['duplicate sample', '# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'],
    ['second TYPE', '# TYPE x gauge\n# TYPE x gauge\n'],
    ['unknown type', '# TYPE x meter\n'],
    ['interleaved families', '# TYPE x gauge\n# TYPE y gauge\nx 1\n'],
    ['whitespace-only line', '# TYPE x gauge\n \nx 1\n'],
    ['histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    [
      'non-cumulative buckets',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
    ['count differs from +Inf', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
