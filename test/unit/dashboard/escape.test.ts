import { describe, expect, it } from 'vitest';
import { escapeHtml, markup, raw } from '../../../src/dashboard/escape.js';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('renders null and undefined as nothing', () => {
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(0)).toBe('0');
  });
});

describe('markup template', () => {
  it('escapes interpolations unless they are already safe markup', () => {
    const evil = '<script>alert(1)</script>';
    expect(markup`<p title="${evil}">${evil}${raw('<br>')}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;<br></p>',
    );
  });

  it('joins arrays and drops false, null and undefined', () => {
    expect(markup`<ul>${['<a>', markup`<li>b</li>`]}${false}${null}${undefined}</ul>`.value).toBe(
      '<ul>&lt;a&gt;<li>b</li></ul>',
    );
  });
});
