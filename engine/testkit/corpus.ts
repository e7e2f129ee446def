import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The shared corpus of real, public NF-e files (never edited: their signatures must stay as they
 * are). Found from NFE_CORPUS_DIR, else beside the repository as ../shared/corpus/real.
 */
export interface CorpusFile {
  readonly name: string;
  readonly path: string;
  readonly bytes: Buffer;
  /** MANIFEST.tsv "root element" column. */
  readonly root: string;
  /** MANIFEST.tsv "signature verifies": true (yes), false (no ...), null (n/a: unsigned). */
  readonly verifies: boolean | null;
  /** The column as written, e.g. "no (verifies after removing inter-tag whitespace: ...)". */
  readonly verifiesNote: string;
  readonly items: number;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function corpusDir(): string {
  const candidates = [
    process.env.NFE_CORPUS_DIR,
    path.join(REPO_ROOT, '..', 'shared', 'corpus', 'real'),
    '/work/shared/corpus/real',
  ];
  for (const c of candidates) if (c && existsSync(path.join(c, 'MANIFEST.tsv'))) return c;
  throw new Error(
    `corpus not found (set NFE_CORPUS_DIR); looked in ${candidates.filter(Boolean).join(', ')}`,
  );
}

export function loadCorpus(): CorpusFile[] {
  const dir = corpusDir();
  const lines = readFileSync(path.join(dir, 'MANIFEST.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = lines[0].split('\t');
  const col = (name: string): number => {
    const k = header.indexOf(name);
    if (k < 0) throw new Error(`MANIFEST.tsv has no column "${name}"`);
    return k;
  };
  const [fileCol, rootCol, verifiesCol, itemsCol] = [
    col('file'),
    col('root element'),
    col('signature verifies'),
    col('items count'),
  ];
  const files = lines.slice(1).map((line) => {
    const c = line.split('\t');
    const v = c[verifiesCol];
    return {
      name: c[fileCol],
      path: path.join(dir, c[fileCol]),
      bytes: readFileSync(path.join(dir, c[fileCol])),
      root: c[rootCol],
      verifies: v.startsWith('yes') ? true : v.startsWith('no') ? false : null,
      verifiesNote: v,
      items: Number(c[itemsCol]),
    };
  });
  const listed = new Set(files.map((f) => f.name));
  const unlisted = readdirSync(dir).filter((f) => f.endsWith('.xml') && !listed.has(f));
  if (unlisted.length > 0)
    throw new Error(`corpus files missing from MANIFEST.tsv: ${unlisted.join(', ')}`);
  return files;
}
