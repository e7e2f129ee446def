import { Middleware } from 'koa';
import {
  ERROR_CODES,
  ErrorCode,
  NfeError,
  isOutOfSpace,
  isTransientDbError,
  safeError,
} from '../../engine/index';
import { AppState } from '../context';

function send(
  ctx: Parameters<Middleware<AppState>>[0],
  code: ErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  ctx.status = ERROR_CODES[code].status;
  for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
  ctx.body = { error: { code, message } };
}

/**
 * First middleware: every failure becomes `{ "error": { "code", "message" } }` with its status.
 * NfeError carries its code; a full disk is 507; a database that is down is 503; anything else is
 * a logged 500.
 */
export function errorHandler(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined)
        send(ctx, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      else if (ctx.status === 405 && ctx.body === undefined)
        send(ctx, 'NOT_FOUND', `${ctx.method} is not allowed on ${ctx.path}`);
    } catch (err) {
      if (err instanceof NfeError) {
        if (err.status >= 500)
          ctx.state.log?.warn({ code: err.code, err: err.message }, 'request failed');
        if (err.status === 413) ctx.set('Connection', 'close');
        send(ctx, err.code, err.message, err.headers);
      } else if (isOutOfSpace(err)) {
        ctx.state.log?.error({ err: safeError(err) }, 'out of disk space: upload refused');
        send(
          ctx,
          'INSUFFICIENT_STORAGE',
          'no room left to receive this upload; nothing of it was stored; retry later',
          { 'Retry-After': '60' },
        );
      } else if (
        isTransientDbError(err) ||
        (err as { name?: string }).name === 'MaxRetriesPerRequestError'
      ) {
        ctx.state.log?.warn({ err: (err as Error).message }, 'dependency unavailable');
        send(ctx, 'UNAVAILABLE', 'a dependency (database or queue) is unavailable; retry shortly', {
          'Retry-After': '5',
        });
      } else {
        ctx.state.log?.error({ err: safeError(err) }, 'unexpected error');
        send(
          ctx,
          'INTERNAL',
          `unexpected error; quote request id ${ctx.state.reqId} when reporting it`,
        );
      }
    }
  };
}
