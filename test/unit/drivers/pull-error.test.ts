import { describe, expect, it } from 'vitest';
import { pullFailureReason, toImagePullError } from '../../../src/drivers/docker/pull-error.js';

describe('pullFailureReason', () => {
  // The engine's own words, as it passed on a registry's answers (Docker 20.10-26).
  it.each([
    [401, 'unauthorized: authentication required', 'ImageUnauthorized'],
    [
      500,
      'Head "http://127.0.0.1:5391/v2/lab/web/manifests/1": no basic auth credentials',
      'ImageUnauthorized',
    ],
    [404, 'manifest unknown: manifest unknown', 'ImageNotFound'],
    [
      404,
      'manifest for 127.0.0.1:5391/lab/web:7 not found: manifest unknown: manifest unknown',
      'ImageNotFound',
    ],
    [
      500,
      'Get "http://127.0.0.1:5392/v2/": dial tcp 127.0.0.1:5392: connect: connection refused',
      'RegistryUnreachable',
    ],
    [500, 'no matching manifest for linux/amd64 in the manifest list entries', 'ImagePlatform'],
    [500, 'write /var/lib/docker/tmp/GetImageBlob1: no space left on device', 'DiskFull'],
    [500, 'something else entirely', 'ImagePullFailed'],
  ])('%i %s -> %s', (status, message, reason) => {
    expect(pullFailureReason(status, message)).toBe(reason);
  });

  it('builds a located message with a hint from dockerode error shapes', () => {
    const err = Object.assign(new Error('(HTTP code 401) unexpected'), {
      statusCode: 401,
      json: { message: 'unauthorized: authentication required' },
    });
    const pull = toImagePullError('127.0.0.1:5000/lab/web:1', 'resolved', err);
    expect(pull.reason).toBe('ImageUnauthorized');
    expect(pull.message).toMatch(
      /^ImageUnauthorized: image 127\.0\.0\.1:5000\/lab\/web:1 could not be resolved: unauthorized/,
    );
    expect(pull.message).toContain('registries:');
  });
});
