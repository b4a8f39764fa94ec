import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { serializeError } from './log-errors.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout. Anything that may hold a secret is redacted by key, wherever it appears,
 * so a careless `log.info({ project })` cannot leak a webhook secret or an env value. Errors are
 * logged as `{ err }` and serialised to type, message and stack (serializeError: an allow list
 * of fields, credentials in URLs scrubbed).
 */
export function createLogger(
  options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {},
): Logger {
  const settings: LoggerOptions = {
    level: options.level ?? process.env.SPIN_LOG_LEVEL ?? 'info',
    base: { name: 'spin' },
    serializers: { err: serializeError },
    redact: {
      paths: [
        'webhookSecret',
        '*.webhookSecret',
        '*.*.webhookSecret',
        'env',
        '*.env',
        '*.*.env',
        'environment',
        '*.environment',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
    transport: options.pretty ? { target: 'pino-pretty', options: { colorize: true } } : undefined,
  };
  // A destination (tests) replaces stdout; the transport is for stdout only.
  return options.destination
    ? pino({ ...settings, transport: undefined }, options.destination)
    : pino(settings);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
