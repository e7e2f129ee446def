import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { generateEvent, generateInvoice } from './generate-documents';
import { createSigners, hostileCases } from './hostile-documents';

/**
 * Writes the bundled samples (samples/): documents signed with a throw-away key, a few hostile
 * ones, and a zip batch. Run with `node dist/engine/testkit/write-samples.js [DIR]`.
 */
async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? 'samples');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'rejected'), { recursive: true });
  const signers = createSigners();
  const write = (name: string, bytes: Buffer): void => writeFileSync(path.join(dir, name), bytes);

  const invoices = [1, 2, 3, 4, 5].map((seed) =>
    generateInvoice(signers.main, { seed: 500 + seed }),
  );
  invoices.forEach((d, k) => write(`nfe-${k + 1}.xml`, d.bytes));
  write('nfce-1.xml', generateInvoice(signers.main, { seed: 510, model: 65 }).bytes);
  write('nfe-alphanumeric-cnpj.xml', generateInvoice(signers.alphanumeric, { seed: 511 }).bytes);
  write(
    'nfe-iso-8859-1.xml',
    generateInvoice(signers.main, { seed: 512, encoding: 'latin1' }).bytes,
  );
  write(
    'nfe-tax-reform.xml',
    generateInvoice(signers.main, { seed: 513, reformGroups: true }).bytes,
  );
  write(
    'event-cancellation-nfe-5.xml',
    generateEvent(signers.main, { chave: invoices[4].chave }).bytes,
  );
  write(
    'event-correction-nfe-1.xml',
    generateEvent(signers.main, { chave: invoices[0].chave, tpEvento: '110110' }).bytes,
  );
  write('nfe-1-duplicate.xml', invoices[0].bytes);

  const wanted = new Set([
    'digest-mismatch-pretty-printed',
    'digest-mismatch-content-changed',
    'xxe-external-entity',
    'not-nfe',
    'wrapping-duplicate-id',
    'totals-mismatch',
    'key-check-digit',
    'truncated',
  ]);
  for (const c of hostileCases(signers).filter((h) => wanted.has(h.name)))
    write(path.join('rejected', `${c.name}.xml`), c.bytes);

  const zip = new yazl.ZipFile();
  for (let seed = 600; seed < 620; seed++)
    zip.addBuffer(
      generateInvoice(signers.main, { seed, model: seed % 4 === 0 ? 65 : 55 }).bytes,
      `lote/${seed}.xml`,
    );
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  write('batch-of-20.zip', Buffer.concat(chunks));
  process.stdout.write(`samples written to ${dir}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
