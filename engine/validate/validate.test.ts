import assert from 'node:assert/strict';
import { composeKey, hasValidCheckDigit, isWellFormedKey, splitKey } from './access-key';
import { formatCents, toCents } from './business-rules';
import { isValidCnpj, isValidCpf, maskTaxId } from './tax-id';

describe('tax ids and the chave de acesso', () => {
  it('accepts real numeric CNPJs and rejects wrong check digits', () => {
    assert.equal(isValidCnpj('55773964000164'), true); // from a real NF-e in the corpus
    assert.equal(isValidCnpj('55773964000165'), false);
    assert.equal(isValidCnpj('00000000000000'), false, 'repeated characters are not a CNPJ');
    assert.equal(isValidCnpj('5577396400016'), false);
  });

  it('accepts the alphanumeric CNPJ with check digits by character code minus 48', () => {
    // The example published by the Receita Federal for the alphanumeric CNPJ: 12.ABC.345/01DE-35.
    assert.equal(isValidCnpj('12ABC34501DE35'), true);
    assert.equal(isValidCnpj('12ABC34501DE36'), false);
    assert.equal(isValidCnpj('12abc34501DE35'), false, 'letters are upper case');
  });

  it('validates CPFs', () => {
    assert.equal(isValidCpf('52998224725'), true);
    assert.equal(isValidCpf('52998224726'), false);
    assert.equal(isValidCpf('11111111111'), false);
  });

  it('never shows a whole tax id in messages', () => {
    assert.equal(maskTaxId('12ABC34501DE35'), '12AB********35');
  });

  it('checks the mod-11 digit of real keys and composes keys with alphanumeric CNPJs', () => {
    const real = '35190755773964000164550020001169151378998522';
    assert.equal(hasValidCheckDigit(real), true);
    assert.equal(hasValidCheckDigit(real.slice(0, 43) + '3'), false);
    const key = composeKey({
      cUF: '35',
      yearMonth: '2608',
      issuer: '12ABC34501DE35',
      model: '55',
      series: '1',
      number: '42',
      tpEmis: '1',
      cNF: '12345678',
    });
    assert.equal(key.length, 44);
    assert.equal(isWellFormedKey(key), true);
    assert.equal(hasValidCheckDigit(key), true);
    assert.deepEqual(splitKey(key), {
      cUF: '35',
      yearMonth: '2608',
      issuer: '12ABC34501DE35',
      model: '55',
      series: '001',
      number: '000000042',
      tpEmis: '1',
      cNF: '12345678',
      checkDigit: key[43],
    });
    assert.equal(isWellFormedKey(key.replace('35', 'AB')), false, 'letters only in the CNPJ part');
  });

  it('computes money to the cent without floating point', () => {
    assert.equal(toCents('0.1'), 10n);
    assert.equal(toCents('123456789012.34'), 12345678901234n);
    assert.equal(toCents('1.005'), 101n);
    assert.equal(toCents('1,00'), null);
    assert.equal(formatCents(-5n), '-0.05');
  });
});
