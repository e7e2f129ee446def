import {
  KeyObject,
  X509Certificate,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto';

/**
 * A throw-away signer for generated documents: an RSA key and a self-signed X.509 certificate shaped
 * like an ICP-Brasil e-CNPJ (CN "NAME:CNPJ", SAN otherName 2.16.76.1.3.3). Never a real credential.
 */
export interface ThrowawaySigner {
  readonly privateKey: KeyObject;
  /** DER certificate, base64 (what goes into X509Certificate). */
  readonly certificateBase64: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly cnpj: string;
  readonly serialHex: string;
}

export interface SignerOptions {
  readonly cnpj: string;
  readonly name?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: bigint;
  readonly modulusLength?: number;
  /** Reuse a key (a second certificate for the same key, or a signer reused across runs). */
  readonly privateKeyPem?: string;
}

// --- minimal DER encoding -------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [];
    let v = p;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let k = 0; k < chunk.length - 1; k++) chunk[k] |= 0x80;
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function integer(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const printable = (s: string): Buffer => tlv(0x13, Buffer.from(s, 'latin1'));

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

function rdn(type: string, value: Buffer): Buffer {
  return set(seq(oid(type), value));
}

// --------------------------------------------------------------------------------------------

export function createThrowawaySigner(options: SignerOptions): ThrowawaySigner {
  const privateKey = options.privateKeyPem
    ? createPrivateKey(options.privateKeyPem)
    : generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 }).privateKey;
  const publicDer = createPublicDer(privateKey);
  const serial =
    options.serial ??
    BigInt(`0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`);
  const notBefore = options.notBefore ?? new Date(Date.now() - 24 * 3600 * 1000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const name = seq(
    rdn('2.5.4.6', printable('BR')),
    rdn('2.5.4.10', utf8('ICP-Brasil')),
    rdn('2.5.4.11', utf8('nfe-ingest throw-away test certificate')),
    rdn('2.5.4.3', utf8(`${options.name ?? 'EMPRESA TESTE'}:${options.cnpj}`)),
  );
  const sha256WithRsa = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  // SubjectAltName: otherName 2.16.76.1.3.3 (ICP-Brasil CNPJ) as an OCTET STRING.
  const otherName = tlv(
    0xa0,
    oid('2.16.76.1.3.3'),
    tlv(0xa0, tlv(0x04, Buffer.from(options.cnpj, 'latin1'))),
  );
  const san = seq(oid('2.5.29.17'), tlv(0x04, seq(otherName)));
  const keyUsage = seq(
    oid('2.5.29.15'),
    Buffer.from([0x01, 0x01, 0xff]),
    tlv(0x04, tlv(0x03, Buffer.from([0x06, 0xc0]))),
  );
  const tbs = seq(
    tlv(0xa0, integer(2n)),
    integer(serial),
    sha256WithRsa,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    publicDer,
    tlv(0xa3, seq(keyUsage, san)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, sha256WithRsa, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const cert = new X509Certificate(der); // proves the DER parses
  const certificateBase64 = der.toString('base64');
  return {
    privateKey,
    certificateBase64,
    certificatePem: cert.toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cnpj: options.cnpj,
    serialHex: cert.serialNumber.toUpperCase(),
  };
}

function createPublicDer(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
}
