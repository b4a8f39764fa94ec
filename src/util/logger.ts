import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout. Anything that may hold a secret is redacted by key, wherever it appears,
 * so a careless `log.info({ project })` cannot leak a webhook secret or an env value.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  return pino({
    level: options.level ?? process.env.SPIN_LOG_LEVEL ?? 'info',
    base: { name: 'spin' },
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
  });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
