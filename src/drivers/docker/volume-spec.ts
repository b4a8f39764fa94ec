import type Docker from 'dockerode';
import type { VolumeSpec } from '../../stack/model.js';
import { LABEL, volumeName } from '../../stack/names.js';

/** Pure: the engine's create-volume body for one top-level volume of a project. */
export function volumeCreateOptions(project: string, volume: VolumeSpec): Docker.VolumeCreateOptions {
  return {
    Name: volumeName(project, volume.name),
    Driver: volume.driver,
    DriverOpts: volume.driverOpts,
    Labels: {
      ...volume.labels,
      [LABEL.managed]: 'true',
      [LABEL.project]: project,
      [LABEL.volume]: volume.name,
    },
  };
}
