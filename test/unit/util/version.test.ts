import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildInfo } from '../../../src/util/version.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('buildInfo', () => {
  it('reads the version from package.json', () => {
    expect(buildInfo({}).version).toBe(pkg.version);
  });

  it('takes the revision from SPIN_REVISION, else unknown when the sources run without a build', () => {
    expect(buildInfo({ SPIN_REVISION: ' 0123abcd \n' }).revision).toBe('0123abcd');
    // From src/ there is no dist/revision.txt beside the module.
    expect(buildInfo({}).revision).toBe('unknown');
  });
});
