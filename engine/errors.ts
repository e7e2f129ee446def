/**
 * Errors of the service (as opposed to document verdicts, see codes.ts): a stable code, the HTTP
 * status it maps to, and whether retrying can help. api/README.md lists every code; a test keeps
 * the two in step.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, summary: 'A parameter, header or body part is malformed.' },
  UNAUTHORIZED: { status: 401, summary: 'No API key, or a key that does not exist.' },
  FORBIDDEN: { status: 403, summary: 'The API key was revoked.' },
  NOT_FOUND: { status: 404, summary: 'No such resource for this tenant.' },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    summary: 'The body, a document or the number of entries is over its limit.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    summary: 'Send application/zip, multipart/form-data or application/xml.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    summary: 'This Idempotency-Key was used with a different body.',
  },
  ZIP_BOMB: {
    status: 422,
    summary:
      'A zip entry inflates far beyond its compressed size, or the zips inflate beyond the limit.',
  },
  ARCHIVE_INVALID: {
    status: 422,
    summary:
      'A zip cannot be read (corrupt, encrypted, nested too deep, or an entry named outside the zip: absolute or with `..`).',
  },
  EMPTY_UPLOAD: { status: 422, summary: 'The upload holds no XML document.' },
  HEADERS_TOO_LARGE: {
    status: 431,
    summary: 'A request header line is over 16 KiB (answered by Nginx).',
  },
  RATE_LIMITED: {
    status: 429,
    summary: 'Too many requests for this API key; retry after the Retry-After seconds.',
  },
  UNAVAILABLE: {
    status: 503,
    summary: 'A dependency is down or the process is shutting down; retry.',
  },
  INSUFFICIENT_STORAGE: {
    status: 507,
    summary: 'No room left to receive or store the upload; nothing of it was stored; retry later.',
  },
  INTERNAL: { status: 500, summary: 'An unexpected error; it was logged with the request id.' },
} as const;

/** A full disk: the spool's file system (ENOSPC, EDQUOT) or PostgreSQL's (SQLSTATE 53100). */
export function isOutOfSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === '53100';
}

export type ErrorCode = keyof typeof ERROR_CODES;

export class NfeError extends Error {
  override readonly name = 'NfeError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryable = false,
    /** Extra response headers (Retry-After). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }
}
