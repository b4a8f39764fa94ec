import { describe, expect, it } from 'vitest';
import { parseLogQuery, parseSince } from '../../../src/api/log-query.js';
import { selectContainers, streamProjectLogs } from '../../../src/api/project-logs.js';
import type { LogChunk, LogRequest } from '../../../src/drivers/driver.js';
import type { ActualContainer } from '../../../src/model/actual-state.js';
import { LineSplitter, MAX_LINE_BYTES, labelWidth, prefixLine } from '../../../src/model/log-lines.js';

const bytes = (s: string) => Buffer.from(s);

describe('LineSplitter', () => {
  it('joins lines cut across chunks, even inside a UTF-8 character, and keeps the tail for flush', () => {
    const split = new LineSplitter();
    const euro = Buffer.from('€');
    expect(split.push(bytes('one\r\ntw'))).toEqual(['one']);
    expect(split.push(Buffer.concat([bytes('o '), euro.subarray(0, 1)]))).toEqual([]);
    expect(split.push(Buffer.concat([euro.subarray(1), bytes('\nlast')]))).toEqual(['two €']);
    expect(split.flush()).toEqual(['last']);
    expect(split.flush()).toEqual([]);
  });

  it('cuts a line that never ends so memory stays bounded', () => {
    const split = new LineSplitter();
    const lines = split.push(bytes('x'.repeat(MAX_LINE_BYTES * 2 + 5)));
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_BYTES, MAX_LINE_BYTES]);
    expect(split.flush()).toEqual(['xxxxx']);
  });
});

describe('prefixLine', () => {
  it('pads labels to one width like docker compose logs', () => {
    const width = labelWidth(['web-1', 'worker-10']);
    expect(prefixLine('web-1', width, 'hi')).toBe('web-1      | hi');
    expect(prefixLine('worker-10', width, 'hi')).toBe('worker-10  | hi');
  });

  it('turns control characters (terminal escapes) into ?, keeps tabs', () => {
    expect(prefixLine('a-1', 4, '\u001b]0;pwned\u0007red\u001b[31m\tx')).toBe('a-1  | ?]0;pwned?red?[31m\tx');
  });
});

describe('parseLogQuery', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  const q = (s: string) => parseLogQuery(new URLSearchParams(s), now);

  it('reads every option', () => {
    expect(q('service=web&replica=2&follow=1&since=10m&tail=5&timestamps=true')).toEqual({
      service: 'web',
      replica: 2,
      follow: true,
      sinceMs: now - 600_000,
      tail: 5,
      timestamps: true,
    });
  });

  it('refuses what it cannot read, saying which parameter', () => {
    expect(q('replica=1')).toEqual({ error: 'replica needs a service' });
    expect(q('service=web&replica=0')).toMatchObject({ error: expect.stringContaining('replica') });
    expect(q('tail=-1')).toMatchObject({ error: expect.stringContaining('tail') });
    expect(q('since=yesterday')).toMatchObject({ error: expect.stringContaining("since 'yesterday'") });
    expect(q('service=../x')).toMatchObject({ error: expect.stringContaining('not a service name') });
  });

  it('takes Unix seconds and RFC 3339 times for since', () => {
    expect(parseSince('1700000000.5', now)).toBe(1_700_000_000_500);
    expect(parseSince('2026-12-01T11:00:00Z', now)).toBe(now - 3_600_000);
  });
});

function container(service: string, replica: number, id = `${service}${replica}`): ActualContainer {
  return {
    id,
    name: `p_${service}_${replica}`,
    project: 'p',
    service,
    replica,
    commit: 'c',
    configHash: 'h',
    state: 'running',
    health: 'none',
    image: 'i',
    createdAt: 0,
    labels: {},
  };
}

/** A driver whose containers print what the test gives them, once each, then end. */
function printingDriver(output: Record<string, string>, requests: LogRequest[] = []) {
  return {
    async *logs(request: LogRequest): AsyncIterable<LogChunk> {
      requests.push(request);
      const text = output[request.containerId];
      if (text === undefined) throw new Error('no such container');
      yield { stream: 'stdout', data: Buffer.from(text) };
    },
  };
}

describe('streamProjectLogs', () => {
  it('selects by service and replica and prefixes each replica', async () => {
    const all = [container('web', 2), container('web', 1), container('db', 1), { ...container('x', 0) }];
    expect(
      selectContainers(all, { service: 'web', follow: false, timestamps: false }).map((c) => c.id),
    ).toEqual(['web1', 'web2']);
    let out = '';
    const requests: LogRequest[] = [];
    await streamProjectLogs(
      {
        project: 'p',
        driver: printingDriver({ web1: 'a\nb', web2: 'c\n', db1: 'd\n' }, requests),
        containers: () => all,
      },
      { follow: false, timestamps: false, tail: 3 },
      async (text) => void (out += text),
      new AbortController().signal,
    );
    expect(out.split('\n').sort()).toEqual(['', 'db-1   | d', 'web-1  | a', 'web-1  | b', 'web-2  | c']);
    expect(requests.map((r) => [r.project, r.tail])).toEqual([
      ['p', 3],
      ['p', 3],
      ['p', 3],
    ]);
  });

  it('says in the stream when a container cannot be read, and goes on with the others', async () => {
    let out = '';
    await streamProjectLogs(
      {
        project: 'p',
        driver: printingDriver({ web2: 'ok\n' }),
        containers: () => [container('web', 1), container('web', 2)],
      },
      { follow: false, timestamps: false },
      async (text) => void (out += text),
      new AbortController().signal,
    );
    expect(out).toContain('web-1  | spin: cannot read p_web_1: no such container\n');
    expect(out).toContain('web-2  | ok\n');
  });

  it('following, picks up a container that appears later (read from its start) and ends when aborted', async () => {
    const list = [container('web', 1, 'old')];
    const requests: LogRequest[] = [];
    const gone = new AbortController();
    let out = '';
    const done = streamProjectLogs(
      {
        project: 'p',
        driver: printingDriver({ old: 'old line\n', new: 'new line\n' }, requests),
        containers: () => list,
        pollMs: 5,
      },
      { follow: true, timestamps: false, tail: 1 },
      async (text) => {
        out += text;
        if (text.includes('old line')) list.splice(0, 1, container('web', 1, 'new'));
        if (text.includes('new line')) gone.abort();
      },
      gone.signal,
    );
    await done;
    expect(out).toBe('web-1  | old line\nweb-1  | new line\n');
    expect(requests.map((r) => [r.containerId, r.tail, r.follow])).toEqual([
      ['old', 1, true],
      ['new', undefined, true],
    ]);
  });
});
