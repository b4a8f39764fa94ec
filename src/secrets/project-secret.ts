import type { ProjectSecretReader } from '../config/registry-auth.js';
import type { SecretsSettings } from '../config/types.js';
import { loadStoreKey, SecretStore, SecretStoreError } from './store.js';

/**
 * Reads one project's secrets by name for settings that name a secret instead of a file (a
 * registry login's passwordSecret). The key is loaded at each read, as a pass does, so a rotated
 * store key or value needs no restart; no key is ever generated here (a project without a store
 * has no such secret).
 */
export function projectSecretReader(
  settings: SecretsSettings | undefined,
  project: string,
): ProjectSecretReader {
  return async (name) => {
    if (!settings) throw new SecretStoreError('the daemon has no secret store settings', 'key');
    const key = await loadStoreKey(
      {
        stateDir: settings.stateDir,
        keyFile: settings.keyFile,
        keyEnv: settings.keyEnv,
        keyEnvExplicit: settings.keyEnvExplicit,
      },
      false,
    );
    return new SecretStore(settings.stateDir, key.key).get(project, name);
  };
}
