import { describe, expect, it } from 'vitest';
import {
  containerName,
  legacyContainerName,
  parseContainerName,
  temporaryName,
} from '../../../src/stack/names.js';

describe('container names', () => {
  it('cannot collide across projects: the first `_` ends the project, the last starts the replica', () => {
    expect(containerName('sq', 'x-app', 1)).toBe('sq_x-app_1');
    expect(containerName('sq-x', 'app', 1)).toBe('sq-x_app_1');
    // The old scheme gave both the same name.
    expect(legacyContainerName('sq', 'x-app', 1)).toBe(legacyContainerName('sq-x', 'app', 1));
    const triples: [string, string, number][] = [
      ['a', 'b-c', 1],
      ['a-b', 'c', 1],
      ['a', 'b_c', 1],
      ['a', 'b', 11],
      ['a', 'b_1', 1],
      ['a-b', 'c_1', 2],
    ];
    const names = triples.map(([p, s, n]) => containerName(p, s, n));
    expect(new Set(names).size).toBe(triples.length);
    for (const [p, s, n] of triples) {
      expect(parseContainerName(containerName(p, s, n))).toEqual({ project: p, service: s, replica: n });
    }
  });

  it("a start-first update's temporary name is never a replica's name", () => {
    expect(temporaryName(containerName('p', 'web', 1))).toBe('p_web_1-next');
    expect(parseContainerName(temporaryName(containerName('p', 'web', 1)))).toBeUndefined();
  });

  it('reads only names of the scheme', () => {
    for (const name of ['p-web-1', 'p_web', 'P_web_1', 'p__1', 'p_web_0', '_p_web_1']) {
      expect(parseContainerName(name), name).toBeUndefined();
    }
  });
});
