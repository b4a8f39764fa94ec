import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SpinConfig } from '../../config/types.js';
import path from 'node:path';
import { rotateStoreKey } from '../../secrets/rotate-key.js';
import {
  loadStoreKey,
  MASTER_KEY_FILE,
  SecretStore,
  SecretStoreError,
  type SecretEntry,
  storeDir,
} from '../../secrets/store.js';
import { withExit } from '../action.js';
import { apiRequest, DEFAULT_SERVER, projectRef } from '../api-client.js';
import { requireConfig } from '../load-config.js';
import { CliError, EXIT, printJson, table } from '../output.js';

/**
 * `spin secret set|ls|rm`: the values a stack's `secrets:` name, kept encrypted under the daemon's
 * stateDir (docs/secrets.md). Values are never printed; `ls` shows names and update times only.
 * With --config they work on the stateDir; without it, through a running daemon's API
 * (--server, a token with role operate on the project: docs/access.md).
 */
export function registerSecret(program: Command): void {
  const secret = program
    .command('secret')
    .description("manage the values of a project's secrets in Spin's secret store (never printed)");

  secret
    .command('set')
    .description(
      'set a secret from --from-file, from stdin (exact bytes), or typed at a terminal (hidden, one line)',
    )
    .argument('<project>', 'project name from the config')
    .argument('<name>', 'secret name, as under secrets: in the stack file')
    .option('--config <file>', 'daemon config file (work on its stateDir)')
    .option('--server <url>', `else: a running daemon's API (default ${DEFAULT_SERVER})`)
    .option('--token <token>', 'API bearer token with role operate on the project (default: $SPIN_TOKEN)')
    .option('--from-file <file>', 'read the value from this file (exact bytes)')
    .action(
      withExit(async (project: string, name: string, options: SecretOptions & { fromFile?: string }) => {
        const where = target(options);
        const value = options.fromFile ? await readValueFile(options.fromFile) : await readStdin(name);
        if (value.length === 0) throw new CliError('the value is empty; nothing was stored');
        if ('server' in where) {
          const encoded = value.toString('base64');
          value.fill(0);
          const answer = (await apiRequest(where, 'PUT', secretPath(project, name), { value: encoded })) as {
            secret: { updatedAt: string };
          };
          console.log(
            `secret ${name} of project ${project} set at ${answer.secret.updatedAt}; the daemon delivers it at its next pass (spin sync ${project} to do it now)`,
          );
          return EXIT.ok;
        }
        const config = await projectConfig(where.config, project);
        const settings = config.secrets;
        const key = await storeCall(() =>
          loadStoreKey({
            stateDir: config.stateDir,
            keyFile: settings.keyFile,
            keyEnv: settings.keyEnv,
            keyEnvExplicit: settings.keyEnvExplicit,
          }),
        );
        if (key.created) {
          process.stderr.write(
            `spin: created a new secret store key at ${key.origin} (mode 0600); back it up: without it the stored secrets cannot be read\n`,
          );
        }
        const store = new SecretStore(config.stateDir, key.key);
        const entry = await storeCall(() => store.set(project, name, value));
        value.fill(0);
        console.log(
          `secret ${name} of project ${project} set at ${entry.updatedAt}; the daemon delivers it at its next pass (spin sync ${project} to do it now)`,
        );
        return EXIT.ok;
      }),
    );

  secret
    .command('ls')
    .description("list a project's secrets: names and update times, never values")
    .argument('<project>', 'project name from the config')
    .option('--config <file>', 'daemon config file (work on its stateDir)')
    .option('--server <url>', `else: a running daemon's API (default ${DEFAULT_SERVER})`)
    .option('--token <token>', 'API bearer token with role operate on the project (default: $SPIN_TOKEN)')
    .option('--json', 'print JSON: [{name, updatedAt}]')
    .action(
      withExit(async (project: string, options: SecretOptions & { json?: boolean }) => {
        const where = target(options);
        const entries =
          'server' in where
            ? (
                (await apiRequest(where, 'GET', `/api/v1/projects/${projectRef(project)}/secrets`)) as {
                  secrets: SecretEntry[];
                }
              ).secrets
            : await storeCall(async () =>
                new SecretStore((await projectConfig(where.config, project)).stateDir).list(project),
              );
        if (options.json) printJson(entries);
        else if (entries.length === 0) console.log(`project ${project} has no secrets in the store`);
        else
          console.log(
            table(
              ['NAME', 'UPDATED'],
              entries.map((e) => [e.name, e.updatedAt]),
            ),
          );
        return EXIT.ok;
      }),
    );

  secret
    .command('rm')
    .description("remove a secret's value from the store (a stack that uses it is then refused)")
    .argument('<project>', 'project name from the config')
    .argument('<name>', 'secret name')
    .option('--config <file>', 'daemon config file (work on its stateDir)')
    .option('--server <url>', `else: a running daemon's API (default ${DEFAULT_SERVER})`)
    .option('--token <token>', 'API bearer token with role operate on the project (default: $SPIN_TOKEN)')
    .action(
      withExit(async (project: string, name: string, options: SecretOptions) => {
        const where = target(options);
        if ('server' in where) {
          await apiRequest(where, 'DELETE', secretPath(project, name));
          console.log(`secret ${name} of project ${project} removed`);
          return EXIT.ok;
        }
        const config = await projectConfig(where.config, project);
        const removed = await storeCall(() => new SecretStore(config.stateDir).remove(project, name));
        if (!removed) {
          console.error(`spin: project ${project} has no secret ${name}`);
          return EXIT.invalid;
        }
        console.log(`secret ${name} of project ${project} removed`);
        return EXIT.ok;
      }),
    );

  secret
    .command('rotate-key')
    .description(
      'generate a new secrets/master.key and re-encrypt every stored value under it (atomic: a crash leaves the old or the new store)',
    )
    .requiredOption('--config <file>', 'daemon config file')
    .action(
      withExit(async (options: { config: string }) => {
        const config = await requireConfig(options.config);
        const settings = config.secrets;
        const key = await storeCall(() =>
          loadStoreKey(
            {
              stateDir: config.stateDir,
              keyFile: settings.keyFile,
              keyEnv: settings.keyEnv,
              keyEnvExplicit: settings.keyEnvExplicit,
            },
            false,
          ),
        );
        const own = path.join(storeDir(config.stateDir), MASTER_KEY_FILE);
        if (key.origin !== own) {
          // The new key would have to reach a file or an environment Spin does not own; a store
          // switched before the operator installs it would be unreadable. So: by hand.
          throw new CliError(
            `the secret store key comes from ${key.origin}, which Spin does not manage; rotate-key only rotates ${own}. Rotate an external key by hand (docs/operations.md, "Rotating the secret store key")`,
          );
        }
        const result = await storeCall(() => rotateStoreKey(config.stateDir, key.key));
        key.key.fill(0);
        console.log(
          `re-encrypted ${result.secrets} secret(s) of ${result.projects} project(s) under a new key in ${own} (mode 0600); the old key no longer opens the store: back up the new one`,
        );
        return EXIT.ok;
      }),
    );
}

interface SecretOptions {
  config?: string;
  server?: string;
  token?: string;
}

/** The stateDir of --config, or the API of --server (the default when neither is given). */
function target(options: SecretOptions): { config: string } | { server: string; token?: string } {
  if (options.config && options.server) throw new CliError('give either --config or --server, not both');
  if (options.config) return { config: options.config };
  return { server: options.server ?? DEFAULT_SERVER, token: options.token };
}

const secretPath = (project: string, name: string) =>
  `/api/v1/projects/${projectRef(project)}/secrets/${encodeURIComponent(name)}`;

async function projectConfig(file: string, project: string): Promise<SpinConfig> {
  const config = await requireConfig(file);
  if (!config.projects.some((p) => p.name === project)) {
    throw new CliError(`unknown project '${project}' (not in ${file})`);
  }
  return config;
}

async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SecretStoreError) throw new CliError(err.message);
    throw err;
  }
}

async function readValueFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/**
 * From a pipe or a redirected file: every byte, unchanged (use printf '%s' to leave out a final
 * newline). From a terminal: one line typed without echo; the Enter that ends it is not kept.
 */
async function readStdin(name: string): Promise<Buffer> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks);
  }
  process.stderr.write(`value of ${name} (not shown): `);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    const bytes: number[] = [];
    for await (const chunk of stdin) {
      for (const byte of chunk as Buffer) {
        if (byte === 0x03) throw new CliError('cancelled; nothing was stored');
        if (byte === 0x0d || byte === 0x0a || byte === 0x04) return Buffer.from(bytes);
        if (byte === 0x7f || byte === 0x08) bytes.pop();
        else bytes.push(byte);
      }
    }
    return Buffer.from(bytes);
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
