import { createHash, randomBytes } from 'node:crypto';
import { Queryable } from '../db';

/**
 * API keys: "nfe_" + 32 random bytes (base64url). Only the SHA-256 is stored (the key has full
 * entropy, so a fast hash is the right one); the first 12 characters identify it in logs.
 */
const KEY_PATTERN = /^nfe_[A-Za-z0-9_-]{43}$/;

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function keyPrefix(key: string): string {
  return key.slice(0, 12);
}

export function looksLikeApiKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export async function createTenant(
  db: Queryable,
  name: string,
  callbackUrl: string | null = null,
): Promise<string> {
  return (await db.query<{ id: string }>('insert-tenant', [name, callbackUrl])).rows[0].id;
}

export async function createApiKey(db: Queryable, tenantId: string): Promise<string> {
  const key = `nfe_${randomBytes(32).toString('base64url')}`;
  await db.query('insert-api-key', [tenantId, hashApiKey(key), keyPrefix(key)]);
  return key;
}

export interface KeyOwner {
  readonly keyId: string;
  readonly tenantId: string;
  readonly keyPrefix: string;
  readonly revoked: boolean;
}

export async function findKeyOwner(db: Queryable, key: string): Promise<KeyOwner | null> {
  if (!looksLikeApiKey(key)) return null;
  const row = (
    await db.query<{
      key_id: string;
      tenant_id: string;
      key_prefix: string;
      revoked_at: Date | null;
    }>('select-api-key', [hashApiKey(key)])
  ).rows[0];
  if (row === undefined) return null;
  return {
    keyId: row.key_id,
    tenantId: row.tenant_id,
    keyPrefix: row.key_prefix,
    revoked: row.revoked_at !== null,
  };
}
