import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * process.stdout / stderr rather than pino.destination: a closed pipe (the supervisor gone) must
 * make logging fail quietly, never hang the process in a retry loop on EPIPE.
 */
function destination(fd: 1 | 2): NodeJS.WritableStream {
  const stream = fd === 1 ? process.stdout : process.stderr;
  if (stream.listenerCount('error') === 0) stream.on('error', () => undefined);
  return stream;
}

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
    destination(fd),
  );
}

/** A logger that writes nothing (tests, library callers that do not care). */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * What of an error may be logged: name, message and code. Database errors carry the failing row in
 * `detail` (CNPJ, names, values), which must never reach the logs.
 */
export function safeError(err: unknown): { name: string; message: string; code?: string } {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err).slice(0, 300) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message.slice(0, 300),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/**
 * A chave as logs may carry it: the emitter's CNPJ/CPF (positions 7 to 20) masked, the rest (UF,
 * year-month, model, series, number, cNF, check digit) kept, enough to tell documents apart.
 */
export function maskChave(chave: string | null): string | null {
  if (chave === null || chave.length !== 44) return chave === null ? null : '[malformed]';
  return `${chave.slice(0, 6)}${'*'.repeat(14)}${chave.slice(20)}`;
}
