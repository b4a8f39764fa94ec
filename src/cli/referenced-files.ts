import { readFile } from 'node:fs/promises';
import type { Diagnostic } from '../stack/diagnostics.js';
import { readIdentities } from '../secrets/age.js';
import { loadStoreKey } from '../secrets/store.js';
import { parseTrustKeys } from '../trust/index.js';
import { readSigningKey } from '../trust/sign-commit.js';
import { errorMessage } from '../util/errors.js';
import type { CommitSigning, RepoAccess, SpinConfig } from '../config/types.js';
import { SecretText } from '../util/secret-text.js';

/**
 * Reads what the config only names: webhook secrets, API tokens, trust keys and secret keys kept in files
 * (so they need not sit in the config itself). Done at load, so a missing file or a bad key
 * stops the daemon at start (exit 2) instead of failing later, and a reload sees the new values.
 */
export async function readReferencedFiles(
  config: SpinConfig,
): Promise<{ ok: true; config: SpinConfig } | { ok: false; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const read = async (file: string, what: string): Promise<string | undefined> => {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (err) {
      diagnostics.push({
        file: config.file,
        line: 0,
        column: 0,
        rule: 'config.file',
        message: `${what}: cannot read ${file}: ${errorMessage(err)}`,
        path: '',
      });
      return undefined;
    }
  };
  const api = { ...config.api };
  if (api.readTokenFile) api.readToken = await read(api.readTokenFile, 'api.readTokenFile');
  if (api.writeTokenFile) api.writeToken = await read(api.writeTokenFile, 'api.writeTokenFile');
  // Checked only: the API re-reads them itself (src/api/scoped-tokens.ts), and an empty one
  // would be a token everybody knows.
  for (const [i, t] of (api.tokens ?? []).entries()) {
    if ((await read(t.file, `api.tokens[${i}].file`)) === '') {
      diagnostics.push({
        file: config.file,
        line: 0,
        column: 0,
        rule: 'config.file',
        message: `api.tokens[${i}].file: ${t.file} is empty`,
        path: '',
      });
    }
  }
  const projects = await Promise.all(
    config.projects.map(async (p) => {
      const project = { ...p };
      if (p.webhookSecretFile)
        project.webhookSecret = await read(p.webhookSecretFile, `${p.name}.webhookSecretFile`);
      if (p.git) project.git = await readRepoAccess(p.git, p.name);
      if (p.trust) {
        const fromFiles = await Promise.all(p.trust.keyFiles.map((f) => read(f, `${p.name}.trust.keyFiles`)));
        const keys = [...p.trust.keys, ...fromFiles.filter((k): k is string => k !== undefined)];
        try {
          await parseTrustKeys(keys);
        } catch (err) {
          diagnostics.push({
            file: config.file,
            line: 0,
            column: 0,
            rule: 'config.trust',
            message: `${p.name}: ${errorMessage(err)}`,
            path: '',
          });
        }
        project.trust = { keys, keyFiles: p.trust.keyFiles };
      }
      return project;
    }),
  );
  // The git credential is wrapped at once: from here on only the HTTP client can see its text.
  async function readRepoAccess(access: RepoAccess, name: string): Promise<RepoAccess> {
    const secret = async (file: string, what: string): Promise<SecretText | undefined> => {
      const text = await read(file, what);
      if (text === '') {
        diagnostics.push({
          file: config.file,
          line: 0,
          column: 0,
          rule: 'config.file',
          message: `${what}: ${file} is empty; write the password or token into it`,
          path: '',
        });
      }
      return text ? new SecretText(text) : undefined;
    };
    const next: RepoAccess = { ...access };
    if (access.caFile) next.ca = await read(access.caFile, `${name}.git.caFile`);
    const auth = access.auth;
    // A credential named by secret is read from the project's store at each use (repo-auth.ts).
    if (auth?.kind === 'basic' && auth.passwordFile !== undefined) {
      next.auth = { ...auth, password: await secret(auth.passwordFile, `${name}.git.passwordFile`) };
    } else if (auth?.kind === 'bearer' && auth.tokenFile !== undefined) {
      next.auth = { ...auth, token: await secret(auth.tokenFile, `${name}.git.tokenFile`) };
    }
    return next;
  }
  // Engine TLS files: a missing or unreadable one stops the start, naming the engine and key.
  const engines = Object.fromEntries(
    await Promise.all(
      Object.entries(config.engines ?? {}).map(async ([name, engine]) => {
        if (!engine.tls) return [name, engine] as const;
        const { caFile, certFile, keyFile } = engine.tls;
        const key = await read(keyFile, `engines.${name}.tls.key`);
        const tls = {
          caFile,
          certFile,
          keyFile,
          ca: await read(caFile, `engines.${name}.tls.ca`),
          cert: await read(certFile, `engines.${name}.tls.cert`),
          ...(key !== undefined ? { key: new SecretText(key) } : {}),
        };
        return [name, { ...engine, tls }] as const;
      }),
    ),
  );
  // Spin's commit signing keys: a key that cannot be read or unlocked stops the start, so the
  // first image update does not find out. A passphrase kept in a project's store is read at use.
  const signings = new Map<string, { signing: CommitSigning; what: string }>();
  if (config.commitSigning)
    signings.set(JSON.stringify(config.commitSigning), {
      signing: config.commitSigning,
      what: 'commitSigning',
    });
  for (const p of config.projects) {
    const key = JSON.stringify(p.commitSigning);
    if (p.commitSigning && !signings.has(key))
      signings.set(key, { signing: p.commitSigning, what: `${p.name}.commitSigning` });
  }
  for (const { signing, what } of signings.values()) {
    const armored = await read(signing.keyFile, `${what}.keyFile`);
    if (armored === undefined) continue;
    const passphrase =
      signing.passphraseFile !== undefined
        ? await read(signing.passphraseFile, `${what}.passphraseFile`)
        : undefined;
    if (signing.passphraseFile !== undefined && passphrase === undefined) continue;
    const error = await readSigningKey(armored, passphrase).then(
      () => undefined,
      (err: unknown) => errorMessage(err),
    );
    // A protected key whose passphrase is in a project's store cannot be unlocked here.
    const later = signing.passphraseSecret !== undefined && error?.includes('protected by a passphrase');
    if (error && !later) {
      diagnostics.push({
        file: config.file,
        line: 0,
        column: 0,
        rule: 'config.commitSigning',
        message: `${what}.keyFile ${signing.keyFile}: ${error}`,
        path: '',
      });
    }
  }
  // Secret keys are checked here too, so a typo in a path stops the start (or is refused on a
  // reload) instead of refusing every commit that uses an encrypted file later.
  const ageFiles = new Map<string, string>();
  if (config.secrets.ageIdentityFile) ageFiles.set(config.secrets.ageIdentityFile, 'secrets.ageIdentityFile');
  for (const p of config.projects) {
    const file = p.secrets?.ageIdentityFile;
    if (file && !ageFiles.has(file)) ageFiles.set(file, `${p.name}.secrets.ageIdentityFile`);
  }
  const problem = (what: string, err: unknown) =>
    diagnostics.push({
      file: config.file,
      line: 0,
      column: 0,
      rule: 'config.secrets',
      message: `${what}: ${errorMessage(err)}`,
      path: '',
    });
  for (const [file, what] of ageFiles) await readIdentities(file).catch((err: unknown) => problem(what, err));
  const { keyFile } = config.secrets;
  if (keyFile)
    await loadStoreKey({ ...config.secrets, keyFile }, false).catch((err: unknown) =>
      problem('secrets.keyFile', err),
    );
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, config: { ...config, api, projects, engines } };
}
