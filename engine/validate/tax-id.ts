/**
 * Check digits of Brazilian tax ids. Since July 2026 the CNPJ may be alphanumeric: its first twelve
 * characters are 0-9 or A-Z, each worth its character code minus 48, and the two check digits stay
 * numeric. For an all-digit CNPJ that rule is the classic one.
 */

/** Mod-11 check digit with weights 2..9 repeating from the right (NF-e key, CNPJ). */
export function mod11(chars: string, maxWeight = 9): number {
  let sum = 0;
  let weight = 2;
  for (let k = chars.length - 1; k >= 0; k--) {
    sum += (chars.charCodeAt(k) - 48) * weight;
    weight = weight === maxWeight ? 2 : weight + 1;
  }
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

const CNPJ_SHAPE = /^[0-9A-Z]{12}[0-9]{2}$/;
const CPF_SHAPE = /^[0-9]{11}$/;

function allSame(s: string): boolean {
  for (let k = 1; k < s.length; k++) if (s.charCodeAt(k) !== s.charCodeAt(0)) return false;
  return true;
}

export function isValidCnpj(cnpj: string): boolean {
  if (!CNPJ_SHAPE.test(cnpj) || allSame(cnpj)) return false;
  const first = mod11(cnpj.slice(0, 12));
  const second = mod11(cnpj.slice(0, 12) + String(first));
  return cnpj.charCodeAt(12) - 48 === first && cnpj.charCodeAt(13) - 48 === second;
}

export function isValidCpf(cpf: string): boolean {
  if (!CPF_SHAPE.test(cpf) || allSame(cpf)) return false;
  const first = mod11(cpf.slice(0, 9), 11);
  const second = mod11(cpf.slice(0, 10), 11);
  return cpf.charCodeAt(9) - 48 === first && cpf.charCodeAt(10) - 48 === second;
}

/** For logs and messages: never a full CNPJ/CPF. */
export function maskTaxId(id: string): string {
  if (id.length <= 6) return '*'.repeat(id.length);
  return `${id.slice(0, 4)}${'*'.repeat(id.length - 6)}${id.slice(-2)}`;
}
