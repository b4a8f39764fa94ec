import path from 'node:path';
import type { Diagnostic } from '../stack/diagnostics.js';
import type { EngineConfig, EngineKind } from './types.js';

/** The engine of a config without `engines:` (its `docker.host`), and of projects that name none. */
export const DEFAULT_ENGINE = 'default';

/** `engines:` as the schema admits it (the schema checked names, kinds and address schemes). */
export type RawEngines = Record<
  string,
  { kind?: EngineKind; host: string; tls?: { ca: string; cert: string; key: string } }
>;

type Locate = (p: (string | number)[]) => { line: number; column: number };

export interface ParsedEngines {
  engines: Record<string, EngineConfig>;
  defaultEngine: string;
  diagnostics: Diagnostic[];
}

/**
 * Pure: `engines:`, `defaultEngine` and the old `docker.host` into named engines. Without
 * `engines:` the one engine is `default` (kind docker) at `docker.host`, so every config written
 * before engines existed means what it meant. An engine reached over TCP must have `tls:`: a
 * plain TCP Docker API is root on that host for anyone on the network path, so it is refused here
 * rather than warned about. TLS files are only named here; they are read at start with the other
 * referenced files (src/cli/referenced-files.ts).
 */
export function parseEngines(
  raw: { engines?: RawEngines; defaultEngine?: string; docker?: { host?: string } },
  file: string,
  baseDir: string,
  locate: Locate,
): ParsedEngines {
  const diagnostics: Diagnostic[] = [];
  const refuse = (at: (string | number)[], rule: string, message: string) => {
    const pos = locate(at);
    diagnostics.push({ file, line: pos.line, column: pos.column, rule, message, path: at.join('.') });
  };
  if (!raw.engines) {
    if (raw.defaultEngine !== undefined && raw.defaultEngine !== DEFAULT_ENGINE) {
      refuse(
        ['defaultEngine'],
        'config.engine',
        `defaultEngine '${raw.defaultEngine}' names no engine; define it under engines: (without engines:, the one engine is '${DEFAULT_ENGINE}')`,
      );
    }
    const host = raw.docker?.host;
    if (host?.startsWith('tcp://')) {
      refuse(
        ['docker', 'host'],
        'config.engine-tls',
        `docker.host '${host}' is plain TCP: anyone on the network path could drive the engine; define it under engines: with tls: { ca, cert, key }, or use a unix:// socket`,
      );
    }
    const engine: EngineConfig = { name: DEFAULT_ENGINE, kind: 'docker', ...(host ? { host } : {}) };
    return { engines: { [DEFAULT_ENGINE]: engine }, defaultEngine: DEFAULT_ENGINE, diagnostics };
  }
  if (raw.docker?.host !== undefined) {
    refuse(
      ['docker', 'host'],
      'config.engine',
      'docker.host and engines: both name engines; move docker.host under engines: (e.g. engines: { default: { host: ... } })',
    );
  }
  const engines: Record<string, EngineConfig> = {};
  for (const [name, e] of Object.entries(raw.engines)) {
    if (e.host.startsWith('tcp://') && !e.tls) {
      refuse(
        ['engines', name, 'host'],
        'config.engine-tls',
        `engine '${name}' is reached over plain TCP (${e.host}): anyone on the network path could drive it; add tls: { ca, cert, key } (the engine started with --tlsverify), or use a unix:// socket`,
      );
    }
    if (e.host.startsWith('unix://') && e.tls) {
      refuse(
        ['engines', name, 'tls'],
        'config.engine-tls',
        `engine '${name}' is a unix socket: tls: applies only to tcp:// engines; remove tls:`,
      );
    }
    engines[name] = {
      name,
      kind: e.kind ?? 'docker',
      host: e.host,
      ...(e.tls
        ? {
            tls: {
              caFile: path.resolve(baseDir, e.tls.ca),
              certFile: path.resolve(baseDir, e.tls.cert),
              keyFile: path.resolve(baseDir, e.tls.key),
            },
          }
        : {}),
    };
  }
  const names = Object.keys(engines);
  let defaultEngine = raw.defaultEngine;
  if (defaultEngine === undefined) {
    defaultEngine = names.length === 1 ? (names[0] as string) : '';
  } else if (!engines[defaultEngine]) {
    refuse(
      ['defaultEngine'],
      'config.engine',
      `defaultEngine '${defaultEngine}' is not under engines: (engines: ${names.join(', ')})`,
    );
  }
  return { engines, defaultEngine, diagnostics };
}

/**
 * Pure: the project's engine, or a message saying why it has none. `defaultEngine` is '' when
 * several engines are defined and none is the default: every project must then name its own.
 */
export function projectEngine(
  named: string | undefined,
  engines: Record<string, EngineConfig>,
  defaultEngine: string,
): { engine: string } | { error: string } {
  const names = Object.keys(engines).join(', ');
  if (named === undefined) {
    if (defaultEngine) return { engine: defaultEngine };
    return {
      error: `engine: is required when several engines are defined and no defaultEngine (engines: ${names})`,
    };
  }
  if (!engines[named]) return { error: `engine '${named}' is not defined (engines: ${names})` };
  return { engine: named };
}
