import { Middleware } from 'koa';
import { NfeError } from '../../engine/index';
import { AppDeps, AppState } from '../context';

/**
 * Requests per minute per API key, counted in Redis (shared by every API replica) in fixed
 * one-minute windows. When Redis cannot answer, requests pass: the limit protects capacity, it is
 * not a correctness guarantee.
 */
export function rateLimit(deps: AppDeps): Middleware<AppState> {
  const limit = deps.config.rateLimitPerMinute;
  return async (ctx, next) => {
    if (limit > 0) {
      const now = Date.now();
      const window = Math.floor(now / 60_000);
      const key = `${deps.config.queuePrefix}:ratelimit:${ctx.state.keyId}:${window}`;
      let count = 0;
      try {
        const [[, n]] = (await deps.redis.multi().incr(key).expire(key, 120).exec()) as [
          [Error | null, number],
        ];
        count = n;
      } catch (err) {
        ctx.state.log.warn(
          { err: (err as Error).message },
          'rate limit not checked: redis unavailable',
        );
      }
      const remaining = Math.max(0, limit - count);
      ctx.set('RateLimit-Limit', String(limit));
      ctx.set('RateLimit-Remaining', String(remaining));
      if (count > limit) {
        const retryAfter = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
        throw new NfeError(
          'RATE_LIMITED',
          `more than ${limit} requests in a minute for this API key`,
          true,
          { 'Retry-After': String(retryAfter) },
        );
      }
    }
    await next();
  };
}
