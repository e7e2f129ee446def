import { VerdictCode } from '../codes';
import { ParsedEvent, ParsedInvoice, Party } from '../parse/types';
import { hasValidCheckDigit, isWellFormedKey, splitKey } from './access-key';
import { isValidCnpj, isValidCpf, maskTaxId } from './tax-id';

export interface Problem {
  readonly code: VerdictCode;
  readonly message: string;
}

const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

/** A decimal string in cents, rounded half up past the second decimal; null when not a decimal. */
export function toCents(value: string): bigint | null {
  const m = DECIMAL.exec(value);
  if (m === null) return null;
  const fraction = (m[3] ?? '').padEnd(3, '0');
  let cents = BigInt(m[2]) * 100n + BigInt(fraction.slice(0, 2));
  if (fraction.charCodeAt(2) >= 0x35) cents += 1n;
  return m[1] === '-' ? -cents : cents;
}

export function formatCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

function checkKey(chave: string, problems: Problem[]): boolean {
  if (!isWellFormedKey(chave)) {
    problems.push({
      code: 'KEY_FORMAT',
      message: `the chave de acesso "${chave.slice(0, 50)}" is not 44 characters of the allowed alphabet`,
    });
    return false;
  }
  if (!hasValidCheckDigit(chave)) {
    problems.push({
      code: 'KEY_CHECK_DIGIT',
      message: `the check digit of the chave de acesso (${chave.slice(43)}) is wrong`,
    });
    return false;
  }
  return true;
}

function checkParty(party: Party | null, role: string, problems: Problem[]): void {
  if (party === null) return;
  if (party.cnpj !== null && party.cnpj !== '' && !isValidCnpj(party.cnpj)) {
    problems.push({
      code: 'CNPJ_INVALID',
      message: `the ${role} CNPJ ${maskTaxId(party.cnpj)} has wrong check digits`,
    });
  }
  if (party.cpf !== null && party.cpf !== '' && !isValidCpf(party.cpf)) {
    problems.push({
      code: 'CPF_INVALID',
      message: `the ${role} CPF ${maskTaxId(party.cpf)} has wrong check digits`,
    });
  }
}

/** YYMM of an ISO date or date-time as written in ide (2018-07-20T10:00:00-03:00 → 1807). */
function yearMonth(issuedAt: string): string {
  return issuedAt.slice(2, 4) + issuedAt.slice(5, 7);
}

const DATE_TIME =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/;

/** A date or date-time as NF-e writes them (dhEmi with offset; dEmi of older layouts). */
export function isDateTime(value: string): boolean {
  return (
    DATE_TIME.test(value) &&
    !Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))
  );
}

function checkDateTime(value: string, path: string, problems: Problem[]): void {
  if (!isDateTime(value))
    problems.push({
      code: 'FIELD_INVALID',
      message: `${path} is not a date-time: "${value.slice(0, 40)}"`,
    });
}

/** Key, tax ids, totals and protocol checks of a parsed invoice. Returns every problem found. */
export function checkInvoice(inv: ParsedInvoice, digestValue: string | null): Problem[] {
  const problems: Problem[] = [];
  checkDateTime(inv.issuedAt, 'ide/dhEmi', problems);
  if (checkKey(inv.chave, problems)) {
    const k = splitKey(inv.chave);
    const issuer =
      inv.emitter.cnpj ?? (inv.emitter.cpf !== null ? inv.emitter.cpf.padStart(14, '0') : '');
    const expected: [string, string, string][] = [
      ['cUF', k.cUF, inv.cUF],
      ['AAMM', k.yearMonth, yearMonth(inv.issuedAt)],
      ['emitente', k.issuer, issuer],
      ['mod', k.model, String(inv.model)],
      ['serie', k.series, String(inv.series).padStart(3, '0')],
      ['nNF', k.number, String(inv.number).padStart(9, '0')],
      ['tpEmis', k.tpEmis, inv.emissionType],
    ];
    if (inv.cNF !== null) expected.push(['cNF', k.cNF, inv.cNF.padStart(8, '0')]);
    if (inv.checkDigit !== null) expected.push(['cDV', k.checkDigit, inv.checkDigit]);
    const wrong = expected.filter(([, inKey, inIde]) => inKey !== inIde).map(([name]) => name);
    if (wrong.length > 0) {
      problems.push({
        code: 'KEY_MISMATCH',
        message: `the chave de acesso disagrees with ide/emit on: ${wrong.join(', ')}`,
      });
    }
  }
  checkParty(inv.emitter, 'emitente', problems);
  checkParty(inv.recipient, 'destinatário', problems);

  let sum = 0n;
  let sumOk = true;
  let counted = 0;
  for (const item of inv.items) {
    if (!item.countsInTotal) continue;
    counted++;
    const cents = toCents(item.value);
    if (cents === null) {
      problems.push({
        code: 'FIELD_INVALID',
        message: `det[${item.number}]/prod/vProd is not a decimal: "${item.value.slice(0, 20)}"`,
      });
      sumOk = false;
      break;
    }
    sum += cents;
  }
  const declared = toCents(inv.totals.vProd);
  if (declared === null) {
    problems.push({
      code: 'FIELD_INVALID',
      message: `total/ICMSTot/vProd is not a decimal: "${inv.totals.vProd.slice(0, 20)}"`,
    });
  } else if (sumOk && declared !== sum) {
    problems.push({
      code: 'TOTALS_MISMATCH',
      message: `ICMSTot/vProd is ${formatCents(declared)} but the ${counted} items that compose it (indTot=1) add up to ${formatCents(sum)}`,
    });
  }
  if (toCents(inv.totals.vNF) === null) {
    problems.push({
      code: 'FIELD_INVALID',
      message: `total/ICMSTot/vNF is not a decimal: "${inv.totals.vNF.slice(0, 20)}"`,
    });
  }

  const prot = inv.protocol;
  if (prot !== null) {
    if (prot.chave !== inv.chave) {
      problems.push({
        code: 'PROTOCOL_MISMATCH',
        message: `protNFe/infProt/chNFe (${(prot.chave ?? 'missing').slice(0, 44)}) is not the chave of the signed infNFe`,
      });
    }
    const authorizing = inv.protocolState === 'authorized' || inv.protocolState === 'denied';
    if (prot.digestValue !== null ? prot.digestValue !== digestValue : authorizing) {
      problems.push({
        code: 'PROTOCOL_DIGEST_MISMATCH',
        message:
          prot.digestValue === null
            ? 'protNFe/infProt has no digVal'
            : 'protNFe/infProt/digVal is not the digest of the signed infNFe: the protocol belongs to another version of this document',
      });
    }
  }
  return problems;
}

export function checkEvent(ev: ParsedEvent): Problem[] {
  const problems: Problem[] = [];
  checkKey(ev.chave, problems);
  checkDateTime(ev.occurredAt, 'infEvento/dhEvento', problems);
  const expectedId = `ID${ev.tpEvento}${ev.chave}${String(ev.sequence).padStart(2, '0')}`;
  if (ev.id !== expectedId) {
    problems.push({
      code: 'EVENT_MISMATCH',
      message: `infEvento Id is "${ev.id.slice(0, 60)}", expected ID + tpEvento + chNFe + nSeqEvento`,
    });
  }
  checkParty({ cnpj: ev.authorCnpj, cpf: ev.authorCpf } as Party, 'autor do evento', problems);
  const p = ev.protocol;
  if (p !== null) {
    const wrong: string[] = [];
    if (p.chave !== null && p.chave !== ev.chave) wrong.push('chNFe');
    if (p.tpEvento !== null && p.tpEvento !== ev.tpEvento) wrong.push('tpEvento');
    if (p.nSeqEvento !== null && Number(p.nSeqEvento) !== ev.sequence) wrong.push('nSeqEvento');
    if (wrong.length > 0) {
      problems.push({
        code: 'EVENT_MISMATCH',
        message: `retEvento disagrees with the signed event on: ${wrong.join(', ')}`,
      });
    }
  }
  return problems;
}
