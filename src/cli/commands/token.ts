import type { Command } from 'commander';
import { parseExpiry } from '../../access/expiry.js';
import { ALL_PROJECTS } from '../../access/grants.js';
import { isRole, ROLES } from '../../access/roles.js';
import { createToken, readTokenRecords, revokeToken, tokenStoreFile } from '../../access/token-store.js';
import { isExpired, tokenInfo, TokenStoreError } from '../../access/token-records.js';
import { withExit } from '../action.js';
import { requireConfig } from '../load-config.js';
import { CliError, EXIT, printJson, table } from '../output.js';

/**
 * `spin token create|ls|revoke`: API tokens scoped to projects and a role (docs/access.md). They
 * work on the daemon's stateDir directly, like `spin secret set`: whoever may read the daemon's
 * config and write its stateDir administers access; the running daemon picks up every change at
 * its next request. A token is printed once, at creation; the store keeps only its sha256.
 */
export function registerToken(program: Command): void {
  const token = program
    .command('token')
    .description('issue, list and revoke API tokens scoped to projects and a role');

  token
    .command('create')
    .description('issue a token and print it once (stdout); the daemon stores only its hash')
    .requiredOption('--config <file>', 'daemon config file')
    .requiredOption(
      '--project <name>',
      'a project it may reach (repeat, or separate with commas; * for all)',
      collect,
      [],
    )
    .requiredOption('--role <role>', `${ROLES.join(', ')}`)
    .option('--expires <when>', 'a lifetime (30d, 12h, 1w) or a date (2027-01-31); default: never')
    .option('--name <name>', 'what it is for, shown by ls (e.g. "ci of gateway-a")')
    .option('--json', 'print JSON: {token, id, projects, role, ...}')
    .action(
      withExit(
        async (options: {
          config: string;
          project: string[];
          role: string;
          expires?: string;
          name?: string;
          json?: boolean;
        }) => {
          const config = await requireConfig(options.config);
          if (!isRole(options.role))
            throw new CliError(`--role ${options.role}: use one of ${ROLES.join(', ')}`);
          const known = new Set(config.projects.map((p) => p.name));
          const unknown = options.project.find((p) => p !== ALL_PROJECTS && !known.has(p));
          if (unknown !== undefined)
            throw new CliError(`unknown project '${unknown}' (not in ${options.config}); use * for all`);
          const expiry = options.expires === undefined ? undefined : parseExpiry(options.expires, Date.now());
          if (expiry && 'error' in expiry) throw new CliError(expiry.error);
          const { token: secret, record } = await storeCall(() =>
            createToken(config.stateDir, {
              projects: options.project,
              role: options.role as (typeof ROLES)[number],
              name: options.name,
              expiresAt: expiry?.at,
            }),
          );
          if (options.json) printJson({ token: secret, ...tokenInfo(record) });
          else {
            console.log(secret);
            process.stderr.write(
              `spin: token ${record.id} has role ${record.role} on ${record.projects.join(', ')}` +
                `${record.expiresAt ? ` until ${record.expiresAt}` : ''}; it is shown only now: store it (send it as Authorization: Bearer, or SPIN_TOKEN for the CLI)\n`,
            );
          }
          return EXIT.ok;
        },
      ),
    );

  token
    .command('ls')
    .description('list issued tokens: id, name, projects, role, expiry (never the token)')
    .requiredOption('--config <file>', 'daemon config file')
    .option('--json', 'print JSON')
    .action(
      withExit(async (options: { config: string; json?: boolean }) => {
        const config = await requireConfig(options.config);
        const records = await storeCall(() => readTokenRecords(config.stateDir));
        const now = Date.now();
        const infos = records.map((r) => ({ ...tokenInfo(r), expired: isExpired(r, now) }));
        if (options.json) printJson(infos);
        else if (infos.length === 0) console.log(`no tokens issued (${tokenStoreFile(config.stateDir)})`);
        else
          console.log(
            table(
              ['ID', 'NAME', 'ROLE', 'PROJECTS', 'CREATED', 'EXPIRES'],
              infos.map((t) => [
                t.id,
                t.name ?? '-',
                t.role,
                t.projects.join(','),
                t.createdAt,
                t.expiresAt ? `${t.expiresAt}${t.expired ? ' (expired)' : ''}` : 'never',
              ]),
            ),
          );
        return EXIT.ok;
      }),
    );

  token
    .command('revoke')
    .description('revoke a token by id (or by its name, when unique); the daemon refuses it at once')
    .argument('<id>', 'token id from spin token ls, or its name')
    .requiredOption('--config <file>', 'daemon config file')
    .action(
      withExit(async (ref: string, options: { config: string }) => {
        const config = await requireConfig(options.config);
        const revoked = await storeCall(() => revokeToken(config.stateDir, ref));
        if (!revoked) {
          console.error(`spin: no token with id or unique name '${ref}' (see spin token ls)`);
          return EXIT.invalid;
        }
        console.log(`token ${revoked.id}${revoked.name ? ` (${revoked.name})` : ''} revoked`);
        return EXIT.ok;
      }),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TokenStoreError) throw new CliError(err.message);
    throw err;
  }
}
