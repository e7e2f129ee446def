import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { VERDICT_CODES } from './codes';

const README = path.resolve(__dirname, '..', '..', 'engine', 'README.md');

describe('verdict codes', () => {
  it('engine/README.md lists exactly the codes in codes.ts', () => {
    const table = readFileSync(README, 'utf8')
      .split('\n')
      .map((line) => /^\| `([A-Z0-9_]+)` \|/.exec(line)?.[1])
      .filter((code): code is string => code !== undefined);
    assert.deepEqual([...table].sort(), Object.keys(VERDICT_CODES).sort());
    assert.equal(new Set(table).size, table.length, 'a code is listed twice');
  });
});
