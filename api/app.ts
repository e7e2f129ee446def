import Koa from 'koa';
import { NfeError } from '../engine/index';
import { AppDeps, AppState } from './context';
import { authenticate } from './middleware/auth';
import { errorHandler } from './middleware/errors';
import { rateLimit } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { batchRoutes } from './routes/batches';
import { healthRoutes } from './routes/health';
import { invoiceRoutes } from './routes/invoices';
import { reconciliationRoutes } from './routes/reconciliations';

export interface App {
  readonly koa: Koa<AppState>;
  /** Every route as OpenAPI writes it (method, path with {params}), for the docs tests. */
  readonly routes: readonly { readonly method: string; readonly path: string }[];
  /** Marks the app as closing: readiness turns 503 and new /v1 requests are refused with 503. */
  close(): void;
}

/** Builds the HTTP API around the engine; main.ts listens, tests call it directly. */
export function createApp(deps: AppDeps): App {
  let closing = false;
  const koa = new Koa<AppState>({ proxy: true });
  koa.use(requestContext(deps));
  koa.use(errorHandler());
  const health = healthRoutes(deps, () => closing);
  koa.use(health.routes());
  const auth = authenticate(deps);
  const limiter = rateLimit(deps);
  koa.use(async (ctx, next) => {
    if (closing)
      throw new NfeError('UNAVAILABLE', 'this API process is shutting down; retry', true, {
        'Retry-After': '1',
      });
    if (!ctx.path.startsWith('/v1/')) return next();
    await auth(ctx, () => limiter(ctx, next));
  });
  const routers = [batchRoutes(deps), invoiceRoutes(deps), reconciliationRoutes(deps)];
  for (const router of routers) {
    koa.use(router.routes());
    koa.use(router.allowedMethods());
  }
  const routes = [health, ...routers].flatMap((r) =>
    r.stack.flatMap((layer) =>
      layer.methods
        .filter((m) => m !== 'HEAD')
        .map((method) => ({
          method: method.toLowerCase(),
          path: String(layer.path).replace(/:([A-Za-z]+)/g, '{$1}'),
        })),
    ),
  );
  return {
    koa,
    routes,
    close: () => {
      closing = true;
    },
  };
}
