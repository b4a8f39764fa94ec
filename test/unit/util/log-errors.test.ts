import { describe, expect, it } from 'vitest';
import { scrubCredentials, serializeError } from '../../../src/util/log-errors.js';
import { createLogger } from '../../../src/util/logger.js';

class SourceLikeError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'SourceLikeError';
  }
}

describe('serializeError', () => {
  it('keeps type, message and stack of an Error, causes included', () => {
    const err = new SourceLikeError('fetch failed', 'unreachable');
    const out = serializeError(new Error('pass crashed', { cause: err }));
    expect(out.type).toBe('Error');
    expect(out.message).toBe('pass crashed: fetch failed');
    expect(out.stack).toMatch(/^Error: pass crashed\n\s+at /);
    expect(out.stack).toContain('caused by: SourceLikeError: fetch failed');
    expect(serializeError(err)).toMatchObject({ type: 'SourceLikeError', reason: 'unreachable' });
  });

  it('keeps only allow-listed fields: a library error carrying its request does not leak it', () => {
    const err = Object.assign(new Error('(HTTP code 500) server error'), {
      statusCode: 500,
      json: { message: 'engine says no' },
      request: { headers: { authorization: 'Bearer s3cr3t-token-value' } },
      data: { password: 'hunter2' },
    });
    const out = serializeError(err);
    expect(Object.keys(out).sort()).toEqual(['message', 'stack', 'statusCode', 'type']);
    expect(out.message).toBe('(HTTP code 500) server error: engine says no');
    expect(JSON.stringify(out)).not.toMatch(/s3cr3t|hunter2/);
  });

  it('scrubs credentials in URLs and authorization values from message and stack', () => {
    const out = serializeError(
      new Error('git remote https://bot:ghp_abcdef123456@git.example.org/r.git failed'),
    );
    expect(out.message).toBe('git remote https://***@git.example.org/r.git failed');
    expect(out.stack).not.toContain('ghp_abcdef123456');
    expect(scrubCredentials('sent Authorization: Bearer abcdefgh12345678')).toBe(
      'sent Authorization: Bearer [redacted]',
    );
  });

  it('turns a thrown non-Error into a message', () => {
    expect(serializeError('boom https://u:p@h/x')).toEqual({
      type: 'string',
      message: 'boom https://***@h/x',
    });
  });
});

describe('createLogger', () => {
  it('logs { err } as an object with type, message and stack, credentials scrubbed', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    log.error({ err: new TypeError('bad https://u:tok@h/x') }, 'failed');
    const entry = JSON.parse(lines[0] ?? '{}') as { err?: Record<string, unknown>; msg?: string };
    expect(entry.msg).toBe('failed');
    expect(entry.err?.type).toBe('TypeError');
    expect(entry.err?.message).toBe('bad https://***@h/x');
    expect(String(entry.err?.stack)).toMatch(/^TypeError: bad https:\/\/\*\*\*@h\/x\n\s+at /);
  });
});
