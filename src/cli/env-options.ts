import { readFile } from 'node:fs/promises';
import { CliError } from './output.js';

/** Collects repeated `--env K=V` flags (commander's option accumulator). */
export function collectEnv(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The variables interpolation may read, from `--env-file` (dotenv: K=V lines, # comments,
 * optional quotes) and then `--env` flags, later ones winning. Never process.env.
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
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const [key, value] = splitPair(line.replace(/^export\s+/, ''), `${envFile}:${index + 1}`);
      env[key] = unquote(value);
    });
  }
  for (const pair of pairs) {
    const [key, value] = splitPair(pair, '--env');
    env[key] = value;
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

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    return v.slice(1, -1);
  }
  return v;
}
