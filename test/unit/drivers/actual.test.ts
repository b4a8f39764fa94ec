import { describe, expect, it } from 'vitest';
import { toRuntimeSettings } from '../../../src/drivers/docker/actual.js';

describe('toRuntimeSettings', () => {
  it("reads docker update's settings from an inspect's HostConfig", () => {
    expect(
      toRuntimeSettings({
        Memory: 33554432,
        MemoryReservation: 1048576,
        NanoCpus: 500_000_000,
        PidsLimit: 128,
        RestartPolicy: { Name: 'on-failure' },
      }),
    ).toEqual({
      memoryBytes: 33554432,
      memoryReservationBytes: 1048576,
      nanoCpus: 500_000_000,
      pids: 128,
      restart: 'on-failure',
    });
  });

  it('reads unset settings, however the engine spells them, as 0 and no', () => {
    const unset = { memoryBytes: 0, memoryReservationBytes: 0, nanoCpus: 0, pids: 0, restart: 'no' };
    expect(toRuntimeSettings({})).toEqual(unset);
    expect(toRuntimeSettings({ PidsLimit: -1, RestartPolicy: { Name: '' } })).toEqual(unset);
    expect(toRuntimeSettings({ Memory: null, PidsLimit: null, RestartPolicy: null })).toEqual(unset);
  });
});
