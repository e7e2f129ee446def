import { Middleware } from 'koa';
import { NfeError, findKeyOwner } from '../../engine/index';
import { KeyOwner, hashApiKey } from '../../engine/tenants/api-keys';
import { AppDeps, AppState } from '../context';

const CACHE_MAX_KEYS = 10_000;

/**
 * `Authorization: Bearer <key>`: the tenant every /v1 query is scoped to. Keys found in the
 * database are remembered for API_KEY_CACHE_MS (10 s): a status poll costs one query, not two,
 * and a revocation takes effect within that time. Unknown keys are never remembered.
 */
export function authenticate(deps: AppDeps): Middleware<AppState> {
  const ttl = deps.config.apiKeyCacheMs;
  const cache = new Map<string, { owner: KeyOwner; until: number }>();
  const lookup = async (key: string): Promise<KeyOwner | null> => {
    const now = Date.now();
    const id = hashApiKey(key).toString('base64'); // the key itself is never kept
    const hit = cache.get(id);
    if (hit !== undefined && hit.until > now) return hit.owner;
    const owner = await findKeyOwner(deps.db, key);
    if (owner !== null && ttl > 0) {
      if (cache.size >= CACHE_MAX_KEYS) cache.clear();
      cache.set(id, { owner, until: now + ttl });
    }
    return owner;
  };
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (m === null)
      throw new NfeError(
        'UNAUTHORIZED',
        'send the API key as "Authorization: Bearer <key>"',
        false,
        { 'WWW-Authenticate': 'Bearer' },
      );
    const owner = await lookup(m[1]);
    if (owner === null)
      throw new NfeError('UNAUTHORIZED', 'unknown API key', false, {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    if (owner.revoked) throw new NfeError('FORBIDDEN', `API key ${owner.keyPrefix}… was revoked`);
    ctx.state.tenantId = owner.tenantId;
    ctx.state.keyId = owner.keyId;
    ctx.state.log = ctx.state.log.child({ tenantId: owner.tenantId, keyPrefix: owner.keyPrefix });
    await next();
  };
}
