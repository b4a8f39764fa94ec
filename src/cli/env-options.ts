import { readFile } from 'node:fs/promises';
import { parseDotenv } from '../stack/dotenv.js';
import { setEntry } from '../stack/records.js';
import { CliError } from './output.js';

/** Collects repeated `--env K=V` flags (commander's option accumulator). */
export function collectEnv(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The variables interpolation may read, from `--env-file` (Compose's dotenv rules, the same
 * parser as a repository's `.env` and `env_file:`) and then `--env` flags, later ones winning.
 * Never process.env: a bare `KEY` line in the file is therefore simply not set.
 */
export async function resolveEnvOptions(
  pairs: string[] = [],
  envFile?: string,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if (envFile) {
    let text: string;
    try {
      text = await readFile(envFile, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read env file ${envFile}: ${(err as Error).message}`);
    }
    const parsed = parseDotenv(text);
    if (!parsed.ok) {
      const { line, rule, message } = parsed.error;
      throw new CliError(`${envFile}:${line}:1: ${rule}: ${message}`);
    }
    for (const [key, value] of Object.entries(parsed.values)) setEntry(env, key, value);
  }
  for (const pair of pairs) {
    const [key, value] = splitPair(pair, '--env');
    setEntry(env, key, value);
  }
  return env;
}

function splitPair(pair: string, where: string): [string, string] {
  const at = pair.indexOf('=');
  const key = at < 0 ? '' : pair.slice(0, at).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    throw new CliError(`${where}: expected KEY=VALUE, got '${pair}'`);
  return [key, pair.slice(at + 1)];
}
