import { describe, expect, it } from 'vitest';
import { raisedImageHealthcheck } from '../../../src/drivers/docker/image-healthcheck.js';

const MS = 1_000_000;

describe('raisedImageHealthcheck', () => {
  it("raises an image's too short interval to the policy's minimum, keeping the rest of its check", () => {
    expect(
      raisedImageHealthcheck(
        { Test: ['CMD-SHELL', 'true'], Interval: 1 * MS, Retries: 3, Timeout: 2 * MS },
        1000,
      ),
    ).toEqual({ Test: ['CMD-SHELL', 'true'], Interval: 1000 * MS, Retries: 3, Timeout: 2 * MS });
    expect(
      raisedImageHealthcheck({ Test: ['CMD', 'true'], Interval: 5000 * MS, StartInterval: 1 * MS }, 1000),
    ).toEqual({ Test: ['CMD', 'true'], Interval: 5000 * MS, StartInterval: 1000 * MS });
  });

  it('leaves alone what is long enough, the engine default (0), no check, NONE, and a zero minimum', () => {
    expect(raisedImageHealthcheck({ Test: ['CMD', 'true'], Interval: 1000 * MS }, 1000)).toBeUndefined();
    expect(raisedImageHealthcheck({ Test: ['CMD', 'true'], Interval: 0 }, 1000)).toBeUndefined();
    expect(raisedImageHealthcheck({ Test: ['CMD', 'true'] }, 1000)).toBeUndefined();
    expect(raisedImageHealthcheck({ Test: ['NONE'], Interval: 1 * MS }, 1000)).toBeUndefined();
    expect(raisedImageHealthcheck(null, 1000)).toBeUndefined();
    expect(raisedImageHealthcheck({ Test: ['CMD', 'true'], Interval: 1 * MS }, 0)).toBeUndefined();
  });
});
