import assert from 'node:assert/strict';
import { checkDocument } from '../check-document';
import { loadCorpus } from '../testkit/corpus';
import { generateEvent, generateInvoice } from '../testkit/generate-documents';
import { createSigners } from '../testkit/hostile-documents';
import { ParsedEvent, ParsedInvoice } from './types';

function invoiceOf(bytes: Buffer): ParsedInvoice {
  const v = checkDocument(bytes);
  assert.equal(v.document?.type, 'invoice', `${v.code} ${v.message}`);
  return v.document as ParsedInvoice;
}

describe('parsing', () => {
  const signers = createSigners();
  const corpus = loadCorpus();
  const file = (prefix: string): Buffer =>
    corpus.find((f) => f.name.startsWith(prefix))?.bytes as Buffer;

  it('reads a real 57-item NF-e field by field', () => {
    const inv = invoiceOf(file('DFe.NET__'));
    assert.equal(inv.chave, '35190755773964000164550020001169151378998522');
    assert.equal(inv.model, 55);
    assert.equal(inv.series, 2);
    assert.equal(inv.number, 116915);
    assert.equal(inv.emitter.cnpj, '55773964000164');
    assert.equal(inv.items.length, 57);
    assert.deepEqual(
      inv.items.map((i) => i.number),
      Array.from({ length: 57 }, (_, k) => k + 1),
    );
    for (const item of inv.items) {
      assert.match(item.cfop, /^[1-7][0-9]{3}$/);
      assert.match(item.value, /^[0-9]+\.[0-9]{2}$/);
    }
  });

  it('keeps repeated elements as arrays whatever their count', () => {
    const one = invoiceOf(generateInvoice(signers.main, { seed: 3, items: 1 }).bytes);
    assert.ok(Array.isArray(one.items) && one.items.length === 1);
    assert.ok(Array.isArray(one.payments) && one.payments.length === 1);
    assert.ok(Array.isArray(one.installments));
  });

  it('keeps unmodelled groups (IBS/CBS tax reform) as JSON on the item and the invoice', () => {
    const inv = invoiceOf(generateInvoice(signers.main, { seed: 4, reformGroups: true }).bytes);
    const ibscbs = inv.items[0].extra?.['imposto.IBSCBS'] as Record<string, unknown>;
    assert.equal(ibscbs.CST, '000');
    assert.ok(ibscbs.gIBSCBS);
    assert.deepEqual(inv.extra?.['total.IBSCBSTot'], { vBCIBSCBS: inv.totals.vProd });
    const real = invoiceOf(file('Java_NFe__IbsCbs'));
    assert.ok(real.items[0].extra?.['imposto.IBSCBS'], 'the real IBS/CBS sample keeps its group');
    assert.ok(real.extra?.['total.IBSCBSTot']);
  });

  it('decodes ISO-8859-1 text exactly', () => {
    const utf8 = invoiceOf(generateInvoice(signers.main, { seed: 5 }).bytes);
    const latin1 = invoiceOf(generateInvoice(signers.main, { seed: 5, encoding: 'latin1' }).bytes);
    assert.deepEqual(latin1, utf8);
    assert.equal(latin1.emitter.cityName, 'SÃO PAULO');
  });

  it('reads the same data from canonical and non-canonical serializations', () => {
    const inv = invoiceOf(generateInvoice(signers.main, { seed: 6, noncanonical: true }).bytes);
    assert.equal(inv.emitter.name, 'COMÉRCIO & INDÚSTRIA SÃO JOÃO LTDA');
    assert.match(inv.items[0].description, / 'ITEM' > ESPECIAL$/);
    assert.equal(
      (inv.extra?.infAdic as Record<string, string>).infCpl,
      'Linha 1 do complemento\nLinha 2: pedido nº 123',
    );
  });

  it('reads the protocol and the state it implies', () => {
    const inv = invoiceOf(file('nfelib__41170706117473000150550010000463201612756527'));
    assert.equal(inv.protocol?.cStat, '100');
    assert.equal(inv.protocolState, 'authorized');
    assert.match(inv.protocol?.protocolNumber ?? '', /^[0-9]{15}$/);
    const denied = invoiceOf(generateInvoice(signers.main, { seed: 7, cStat: '302' }).bytes);
    assert.equal(denied.protocolState, 'denied');
    const old = invoiceOf(file('nfephp__11101284613439000180550010000004881093997017'));
    assert.equal(old.protocolState, 'cancelled', 'cStat 101 of the old cancellation style');
  });

  it('reads events: a real correction letter and generated cancellations', () => {
    const cce = checkDocument(file('sped-da__110110-')).document as ParsedEvent;
    assert.equal(cce.eventType, 'correction');
    assert.equal(cce.tpEvento, '110110');
    assert.equal(cce.sequence, 1);
    assert.ok((cce.correction ?? '').length > 10);
    assert.equal(cce.protocol?.cStat, '135');

    const chave = generateInvoice(signers.main, { seed: 8 }).chave;
    const cancel = checkDocument(generateEvent(signers.main, { chave, tpEvento: '110112' }).bytes)
      .document as ParsedEvent;
    assert.equal(cancel.eventType, 'cancellation_substitution');
    assert.equal(cancel.chave, chave);
    assert.equal(cancel.substituteChave, chave);
    assert.match(cancel.justification ?? '', /Cancelamento/);
    assert.match(cancel.cancelledProtocol ?? '', /^[0-9]{15}$/);
  });

  it('records whether the certificate was valid at signing, without rejecting', () => {
    const inTime = checkDocument(
      generateInvoice(signers.expired, { seed: 9, issuedAt: '2017-06-01T10:00:00-03:00' }).bytes,
    );
    assert.equal(inTime.ok, true);
    assert.equal(inTime.certificateValidAtSigning, true);
    const late = checkDocument(generateInvoice(signers.expired, { seed: 9 }).bytes);
    assert.equal(late.ok, true, 'an expired certificate is not a rejection');
    assert.equal(late.certificateValidAtSigning, false);
    assert.equal(late.signature?.certificate?.cnpj, signers.expired.cnpj);
    assert.equal(late.signature?.certificate?.serialNumber, signers.expired.serialHex);
  });

  it('reads older layouts (2.00 and 3.10) too', () => {
    const v310 = invoiceOf(file('sped-nfe__nfe_v310'));
    assert.equal(v310.layoutVersion, '3.10');
    const v200 = invoiceOf(file('br_danfe__nfe_with_fci'));
    assert.equal(v200.layoutVersion, '2.00');
    assert.match(v200.issuedAt, /^[0-9]{4}-[0-9]{2}-[0-9]{2}/);
    const nfce310 = invoiceOf(file('sped-da__xml_NFCeProd1'));
    assert.ok(nfce310.payments.length >= 1, 'layout 3.10 pag without detPag');
  });
});
