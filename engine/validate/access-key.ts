import { mod11 } from './tax-id';

/**
 * The chave de acesso: 44 characters, cUF(2) AAMM(4) CNPJ/CPF(14) mod(2) serie(3) nNF(9) tpEmis(1)
 * cNF(8) cDV(1). The issuer field may hold an alphanumeric CNPJ; everything else is digits.
 */
export interface AccessKeyParts {
  readonly cUF: string;
  readonly yearMonth: string;
  readonly issuer: string;
  readonly model: string;
  readonly series: string;
  readonly number: string;
  readonly tpEmis: string;
  readonly cNF: string;
  readonly checkDigit: string;
}

const KEY_SHAPE = /^[0-9]{6}[0-9A-Z]{14}[0-9]{24}$/;

export function isWellFormedKey(key: string): boolean {
  return KEY_SHAPE.test(key);
}

export function keyCheckDigit(first43: string): number {
  return mod11(first43);
}

export function hasValidCheckDigit(key: string): boolean {
  return isWellFormedKey(key) && keyCheckDigit(key.slice(0, 43)) === key.charCodeAt(43) - 48;
}

export function splitKey(key: string): AccessKeyParts {
  return {
    cUF: key.slice(0, 2),
    yearMonth: key.slice(2, 6),
    issuer: key.slice(6, 20),
    model: key.slice(20, 22),
    series: key.slice(22, 25),
    number: key.slice(25, 34),
    tpEmis: key.slice(34, 35),
    cNF: key.slice(35, 43),
    checkDigit: key.slice(43, 44),
  };
}

/** Builds a key from its parts, computing the check digit (generator and tests). */
export function composeKey(parts: Omit<AccessKeyParts, 'checkDigit'>): string {
  const first43 =
    parts.cUF.padStart(2, '0') +
    parts.yearMonth +
    parts.issuer.padStart(14, '0') +
    parts.model.padStart(2, '0') +
    parts.series.padStart(3, '0') +
    parts.number.padStart(9, '0') +
    parts.tpEmis +
    parts.cNF.padStart(8, '0');
  return first43 + String(keyCheckDigit(first43));
}
