import { randomUUID } from 'node:crypto';
import { Middleware } from 'koa';
import { AppDeps, AppState } from '../context';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/**
 * Request id (Nginx's X-Request-Id, or a new one), a child logger carrying it, one log line per
 * request with route template, status and duration, the id echoed back, and the request metrics
 * (labelled by route template, never by path: a path holds chaves and ids).
 */
export function requestContext(deps: AppDeps): Middleware<AppState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const reqId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.reqId = reqId;
    ctx.state.log = deps.logger.child({ reqId });
    ctx.set('X-Request-Id', reqId);
    const t0 = process.hrtime.bigint();
    const { metrics } = deps;
    metrics.httpInFlight.inc();
    try {
      await next();
    } finally {
      metrics.httpInFlight.dec();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const labels = { method: ctx.method, route, status: String(ctx.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, ms / 1000);
      ctx.state.log.info(
        { method: ctx.method, route, status: ctx.status, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    }
  };
}
