import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../../src/util/did-you-mean.js';

describe('did you mean', () => {
  it('measures insertions, deletions and substitutions', () => {
    expect(editDistance('branch', 'branch')).toBe(0);
    expect(editDistance('brnach', 'branch')).toBe(2);
    expect(editDistance('pollIntervall', 'pollInterval')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the nearest known name within distance 2, or nothing', () => {
    const known = ['stateDir', 'pollInterval', 'projects', 'policies'];
    expect(closestName('stateDri', known)).toBe('stateDir');
    expect(closestName('project', known)).toBe('projects');
    expect(closestName('colour', known)).toBeUndefined();
    expect(closestName('x', [])).toBeUndefined();
  });

  it('prefers the nearer of two candidates, then the first listed', () => {
    expect(closestName('polices', ['projects', 'policies'])).toBe('policies');
    expect(closestName('ab', ['ax', 'xb'])).toBe('ax');
  });
});
