import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '../engine/index';

describe('api/README.md', () => {
  it('lists exactly the error codes of engine/errors.ts, with their statuses', () => {
    const text = readFileSync(path.resolve(__dirname, '..', '..', 'api', 'README.md'), 'utf8');
    const rows = [...text.matchAll(/^\| `([A-Z_]+)` \| ([0-9]{3}) \|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    assert.deepEqual(
      rows.sort(),
      Object.entries(ERROR_CODES)
        .map(([code, e]) => [code, e.status])
        .sort(),
    );
  });
});
