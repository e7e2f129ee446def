import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs for every process. Secrets are redacted wherever they could appear; XML payloads and
 * full CNPJ/CPF are never logged (callers log ids, codes and counts).
 */
export function createLogger(processName: string, level: string, fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: { process: processName, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          'authorization',
          'apiKey',
          'key',
          'password',
          '*.password',
          'databaseUrl',
          'redisUrl',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd, sync: fd === 2 }),
  );
}

/** A logger that writes nothing (tests, library callers that do not care). */
export const silentLogger: Logger = pino({ level: 'silent' });
