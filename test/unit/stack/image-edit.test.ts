import { describe, expect, it } from 'vitest';
import { setServiceImage } from '../../../src/stack/image-edit.js';

const STACK = `# the gateway
services:
  web:
    image: reg.example.org/lab/web:1.4.0   # pinned by CI
    ports: ["8080:8080"]
  api:
    image: "reg.example.org/lab/api:1.4.0"
  worker:
    image: '\${REG}/lab/worker:1.4.0'
`;

describe('setServiceImage', () => {
  it('changes only that service’s image line, keeping comments and quoting', () => {
    const edit = setServiceImage(
      STACK,
      'web',
      'reg.example.org/lab/web:1.4.0',
      'reg.example.org/lab/web:1.4.3',
    );
    expect(edit).toEqual({ ok: true, text: STACK.replace('web:1.4.0', 'web:1.4.3') });
    const api = setServiceImage(
      STACK,
      'api',
      'reg.example.org/lab/api:1.4.0',
      'reg.example.org/lab/api:1.4.3',
    );
    expect(api.ok && api.text).toBe(
      STACK.replace('"reg.example.org/lab/api:1.4.0"', '"reg.example.org/lab/api:1.4.3"'),
    );
  });

  it('refuses an interpolated reference, a missing service and a broken file', () => {
    const worker = setServiceImage(STACK, 'worker', 'reg.example.org/lab/worker:1.4.0', 'x:2');
    expect(worker.ok).toBe(false);
    expect(!worker.ok && worker.reason).toContain('interpolated');
    expect(setServiceImage(STACK, 'nope', 'a', 'b').ok).toBe(false);
    expect(setServiceImage('services: [', 'web', 'a', 'b').ok).toBe(false);
  });
});
