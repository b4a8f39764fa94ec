import { describe, expect, it } from 'vitest';
import { imageRepository, pinnedImage, referenceDigest, repoDigestOf } from '../../../src/util/image-ref.js';

const D = `sha256:${'c'.repeat(64)}`;

describe('image references', () => {
  it('strips tag and digest, keeping a registry port', () => {
    expect(imageRepository('127.0.0.1:5000/lab/web:1.2')).toBe('127.0.0.1:5000/lab/web');
    expect(imageRepository('127.0.0.1:5000/lab/web')).toBe('127.0.0.1:5000/lab/web');
    expect(imageRepository(`busybox:1@${D}`)).toBe('busybox');
  });

  it('pins to a digest, or leaves the reference as written without one', () => {
    expect(pinnedImage('127.0.0.1:5000/lab/web:1', D)).toBe(`127.0.0.1:5000/lab/web@${D}`);
    expect(pinnedImage('spin-test/web:1', undefined)).toBe('spin-test/web:1');
  });

  it('finds the digest of the right repository among RepoDigests', () => {
    expect(
      repoDigestOf('127.0.0.1:5000/lab/web:1', [`other/web@sha256:x`, `127.0.0.1:5000/lab/web@${D}`]),
    ).toBe(D);
    expect(repoDigestOf('lab/web:1', [])).toBeUndefined();
    expect(referenceDigest(`a/b@${D}`)).toBe(D);
    expect(referenceDigest('a/b:1')).toBeUndefined();
  });
});
