import { createHash, sign } from 'node:crypto';
import { composeKey } from '../validate/access-key';
import { mod11 } from '../validate/tax-id';
import { ThrowawaySigner } from './throwaway-signer';
import { Element, Node, el, random, serialize } from './xml-builder';

/**
 * Generates NF-e / NFC-e documents and events signed with a throw-away key, for volume and for
 * every hostile case. The signed element is built in canonical form and hashed as such, so these
 * signatures are produced without the engine's canonicalizer; xmlsec1 verifies them independently.
 */
export const NS_NFE = 'http://www.portalfiscal.inf.br/nfe';
export const NS_DSIG = 'http://www.w3.org/2000/09/xmldsig#';

export interface SignatureAlgorithms {
  readonly digest: 'sha1' | 'sha256' | 'sha512';
  readonly signature: 'rsa-sha1' | 'rsa-sha256';
  /**
   * Exclusive C14N is outside the NF-e profile (the engine's reference path checks it). For these
   * documents, which use only the default namespace, both canonical forms are the same bytes.
   */
  readonly canonicalization?: 'c14n' | 'exc-c14n';
}

const DIGEST_URI = {
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
};
const SIGNATURE_URI = {
  'rsa-sha1': 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  'rsa-sha256': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
};
const C14N_URI = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const EXC_C14N_URI = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED_URI = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export interface GeneratedDocument {
  readonly bytes: Buffer;
  /** The document as text (before encoding), for hostile edits. */
  readonly xml: string;
  readonly chave: string;
  readonly digestValue: string;
  readonly items: number;
  readonly vNF: string;
}

export interface SignOptions {
  readonly algorithms?: SignatureAlgorithms;
  /** Overrides the DigestValue written (a signature over a lie: wrapping and digest tests). */
  readonly digestOverride?: string;
  /** Writes SignedInfo in an equivalent non-canonical form (self-closing, single quotes). */
  readonly noncanonical?: boolean;
  /** Signs with this signer's key but writes another certificate (wrong-key case). */
  readonly certificateBase64?: string;
}

/** Builds the Signature element for a signed element given in canonical form (xmlns on the apex). */
export function signatureFor(
  canonicalSigned: string,
  id: string,
  signer: ThrowawaySigner,
  options: SignOptions = {},
): { xml: string; digestValue: string } {
  const algs = options.algorithms ?? { digest: 'sha1', signature: 'rsa-sha1' };
  const c14n = algs.canonicalization === 'exc-c14n' ? EXC_C14N_URI : C14N_URI;
  const digestValue =
    options.digestOverride ??
    createHash(algs.digest).update(canonicalSigned, 'utf8').digest('base64');
  const body =
    `<CanonicalizationMethod Algorithm="${c14n}"></CanonicalizationMethod>` +
    `<SignatureMethod Algorithm="${SIGNATURE_URI[algs.signature]}"></SignatureMethod>` +
    `<Reference URI="#${id}"><Transforms><Transform Algorithm="${ENVELOPED_URI}"></Transform>` +
    `<Transform Algorithm="${c14n}"></Transform></Transforms>` +
    `<DigestMethod Algorithm="${DIGEST_URI[algs.digest]}"></DigestMethod>` +
    `<DigestValue>${digestValue}</DigestValue></Reference>`;
  const canonicalSignedInfo = `<SignedInfo xmlns="${NS_DSIG}">${body}</SignedInfo>`;
  const hash = algs.signature === 'rsa-sha1' ? 'sha1' : 'sha256';
  const signatureValue = sign(
    hash,
    Buffer.from(canonicalSignedInfo, 'utf8'),
    signer.privateKey,
  ).toString('base64');
  let signedInfo = `<SignedInfo>${body}</SignedInfo>`;
  if (options.noncanonical) {
    signedInfo = signedInfo
      .replace(/<(Transform|DigestMethod) Algorithm="([^"]*)"><\/\1>/g, "<$1 Algorithm='$2' />")
      .replace('<SignedInfo>', `<SignedInfo xmlns="${NS_DSIG}" >`);
  }
  const xml =
    `<Signature xmlns="${NS_DSIG}">${signedInfo}<SignatureValue>${signatureValue}</SignatureValue>` +
    `<KeyInfo><X509Data><X509Certificate>${options.certificateBase64 ?? signer.certificateBase64}</X509Certificate></X509Data></KeyInfo></Signature>`;
  return { xml, digestValue };
}

/** The canonical form of an element the document declares under the NF-e default namespace. */
export function canonicalUnderNfe(serialized: string): string {
  return serialized.replace(/^<([A-Za-z]+)/, `<$1 xmlns="${NS_NFE}"`);
}

// --- invoices --------------------------------------------------------------------------------

export interface InvoiceSpec {
  readonly model?: 55 | 65;
  readonly items?: number;
  /** Issuer CNPJ (numeric or alphanumeric); defaults to the signer's. */
  readonly issuerCnpj?: string;
  readonly issuerCpf?: string;
  readonly recipient?: { readonly cnpj?: string; readonly cpf?: string } | null;
  readonly cUF?: string;
  readonly series?: number;
  readonly number?: number;
  readonly issuedAt?: string;
  readonly tpEmis?: string;
  readonly cNF?: string;
  /** nfeProc with protNFe (default) or bare NFe. */
  readonly withProtocol?: boolean;
  readonly cStat?: string;
  readonly algorithms?: SignatureAlgorithms;
  readonly encoding?: 'utf8' | 'latin1';
  readonly declaration?: boolean;
  /** Adds IBS/CBS (tax reform) groups, which the parser keeps as JSON. */
  readonly reformGroups?: boolean;
  /** Serializes in an equivalent, non-canonical form (attribute order, quotes, char references, CDATA, comments, self-closing tags, CRLF, redundant xmlns). */
  readonly noncanonical?: boolean;
  readonly seed?: number;
  /** Edits applied to the content before signing (hostile cases that are properly signed). */
  readonly mutate?: (parts: InvoiceParts) => void;
  /** Pads the document with an unmodelled group of roughly this many bytes (size tests). */
  readonly paddingBytes?: number;
}

/** The pieces of an invoice before serialization; `mutate` may change them. */
export interface InvoiceParts {
  chave: string;
  ide: Record<string, string>;
  emit: Element;
  dest: Element | null;
  items: Element[];
  totals: Record<string, string>;
  extraGroups: Element[];
  protocol: { chave?: string; digVal?: string; cStat: string } | null;
}

const PRODUCTS = [
  ['PARAFUSO SEXTAVADO 3/8" AÇO', '73181500', 'UN'],
  ['CAFÉ TORRADO E MOÍDO 500G', '09012100', 'PC'],
  ['ÓLEO LUBRIFICANTE 20W50 1L', '27101932', 'LT'],
  ['PAPEL A4 75G RESMA C/500', '48025610', 'RM'],
  ['CABO FLEXÍVEL 2,5MM 100M', '85444900', 'RL'],
  ['ARROZ TIPO 1 5KG', '10063021', 'PC'],
  ['DETERGENTE NEUTRO 500ML', '34022000', 'UN'],
  ['LÂMPADA LED 9W BIVOLT', '85395000', 'UN'],
  ['TINTA ACRÍLICA FOSCA 18L', '32091010', 'GL'],
  ['LUVA NITRÍLICA TAM. M CX/100', '40151900', 'CX'],
];
const NAMES = [
  'COMÉRCIO & INDÚSTRIA SÃO JOÃO LTDA',
  'DISTRIBUIDORA ÁGUA BRANCA S.A.',
  'MERCADO PÃO DE AÇÚCAR <FILIAL> LTDA',
  'AÇOS JOÃO & FILHOS LTDA',
];

const money = (cents: number): string =>
  `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const pct = (cents: number, rateBasisPoints: number): number =>
  Math.round((cents * rateBasisPoints) / 10000);

/** A CNPJ (12 base characters, numeric or alphanumeric) with its check digits. */
export function cnpjFrom(base12: string): string {
  const first = mod11(base12);
  return `${base12}${first}${mod11(base12 + String(first))}`;
}

export function cpfFrom(base9: string): string {
  const first = mod11(base9, 11);
  return `${base9}${first}${mod11(base9 + String(first), 11)}`;
}

function itemElement(
  k: number,
  rnd: () => number,
  model: 55 | 65,
  reform: boolean,
  odd: boolean,
): { det: Element; cents: number; icms: number; pis: number; cofins: number; base: number } {
  const [name, ncm, unit] = PRODUCTS[Math.floor(rnd() * PRODUCTS.length)];
  const qty = 1 + Math.floor(rnd() * 20);
  const unitCents = 100 + Math.floor(rnd() * 50000);
  const cents = qty * unitCents;
  const icms = pct(cents, 1800);
  const pis = pct(cents, 165);
  const cofins = pct(cents, 760);
  const description = odd ? `${name} 'ITEM' > ESPECIAL` : name;
  const icmsGroup =
    model === 55
      ? el(
          'ICMS',
          el(
            'ICMS00',
            el('orig', '0'),
            el('CST', '00'),
            el('modBC', '3'),
            el('vBC', money(cents)),
            el('pICMS', '18.00'),
            el('vICMS', money(icms)),
          ),
        )
      : el('ICMS', el('ICMSSN102', el('orig', '0'), el('CSOSN', '102')));
  const det = el(
    'det',
    { nItem: String(k) },
    el(
      'prod',
      el('cProd', `P${String(1000 + Math.floor(rnd() * 9000))}`),
      el(
        'cEAN',
        rnd() < 0.5 ? 'SEM GTIN' : `789${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}0`,
      ),
      el('xProd', description),
      el('NCM', ncm),
      el('CFOP', model === 55 ? '5102' : '5405'),
      el('uCom', unit),
      el('qCom', `${qty}.0000`),
      el('vUnCom', `${money(unitCents)}00`),
      el('vProd', money(cents)),
      el('cEANTrib', 'SEM GTIN'),
      el('uTrib', unit),
      el('qTrib', `${qty}.0000`),
      el('vUnTrib', `${money(unitCents)}00`),
      el('indTot', '1'),
    ),
    el(
      'imposto',
      el('vTotTrib', money(icms + pis + cofins)),
      icmsGroup,
      el(
        'PIS',
        el(
          'PISAliq',
          el('CST', '01'),
          el('vBC', money(cents)),
          el('pPIS', '1.65'),
          el('vPIS', money(pis)),
        ),
      ),
      el(
        'COFINS',
        el(
          'COFINSAliq',
          el('CST', '01'),
          el('vBC', money(cents)),
          el('pCOFINS', '7.60'),
          el('vCOFINS', money(cofins)),
        ),
      ),
      reform &&
        el(
          'IBSCBS',
          el('CST', '000'),
          el('cClassTrib', '000001'),
          el(
            'gIBSCBS',
            el('vBC', money(cents)),
            el('gIBSUF', el('pIBSUF', '0.1000'), el('vIBSUF', money(pct(cents, 10)))),
            el('gCBS', el('pCBS', '0.9000'), el('vCBS', money(pct(cents, 90)))),
          ),
        ),
    ),
  );
  return { det, cents, icms, pis, cofins, base: model === 55 ? cents : 0 };
}

/** Generates one signed NF-e (model 55) or NFC-e (65). */
export function generateInvoice(
  signer: ThrowawaySigner,
  spec: InvoiceSpec = {},
): GeneratedDocument {
  const seed = spec.seed ?? 1;
  const rnd = random(seed);
  const model = spec.model ?? 55;
  const itemCount = spec.items ?? 6 + Math.floor(rnd() * 5);
  const issuedAt = spec.issuedAt ?? '2026-08-14T10:21:00-03:00';
  const cUF = spec.cUF ?? '35';
  const series = spec.series ?? 1;
  const number = spec.number ?? 1 + (seed % 999_999_999);
  const tpEmis = spec.tpEmis ?? '1';
  const cNF = spec.cNF ?? String(10000000 + Math.floor(rnd() * 89999999));
  const issuerCnpj = spec.issuerCpf ? null : (spec.issuerCnpj ?? signer.cnpj);
  const issuer = issuerCnpj ?? `000${spec.issuerCpf}`;
  const chave = composeKey({
    cUF,
    yearMonth: issuedAt.slice(2, 4) + issuedAt.slice(5, 7),
    issuer,
    model: String(model),
    series: String(series),
    number: String(number),
    tpEmis,
    cNF,
  });

  const items: Element[] = [];
  let sum = 0;
  let icms = 0;
  let pis = 0;
  let cofins = 0;
  let base = 0;
  for (let k = 1; k <= itemCount; k++) {
    const it = itemElement(
      k,
      rnd,
      model,
      spec.reformGroups === true,
      spec.noncanonical === true && k === 1,
    );
    items.push(it.det);
    sum += it.cents;
    icms += it.icms;
    pis += it.pis;
    cofins += it.cofins;
    base += it.base;
  }
  const recipientSpec =
    spec.recipient === undefined
      ? model === 55
        ? { cnpj: cnpjFrom('112223330001') }
        : null
      : spec.recipient;
  const parts: InvoiceParts = {
    chave,
    ide: {
      cUF,
      cNF,
      natOp: 'VENDA DE MERCADORIA',
      mod: String(model),
      serie: String(series),
      nNF: String(number),
      dhEmi: issuedAt,
      tpNF: '1',
      idDest: '1',
      cMunFG: '3550308',
      tpImp: model === 55 ? '1' : '4',
      tpEmis,
      cDV: chave.slice(43),
      tpAmb: '2',
      finNFe: '1',
      indFinal: model === 55 ? '0' : '1',
      indPres: '1',
      procEmi: '0',
      verProc: 'nfe-ingest-testkit 1.0',
    },
    emit: el(
      'emit',
      issuerCnpj ? el('CNPJ', issuerCnpj) : el('CPF', spec.issuerCpf as string),
      el('xNome', spec.noncanonical ? NAMES[0] : NAMES[seed % NAMES.length]),
      el('xFant', 'LOJA TESTE'),
      el(
        'enderEmit',
        el('xLgr', 'AV. PAULISTA'),
        el('nro', '1000'),
        el('xBairro', 'BELA VISTA'),
        el('cMun', '3550308'),
        el('xMun', 'SÃO PAULO'),
        el('UF', 'SP'),
        el('CEP', '01310100'),
        el('cPais', '1058'),
        el('xPais', 'BRASIL'),
      ),
      el('IE', '111222333444'),
      el('CRT', model === 55 ? '3' : '1'),
    ),
    dest:
      recipientSpec === null
        ? null
        : el(
            'dest',
            recipientSpec.cnpj !== undefined
              ? el('CNPJ', recipientSpec.cnpj)
              : el('CPF', recipientSpec.cpf as string),
            el('xNome', 'NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL'),
            el(
              'enderDest',
              el('xLgr', 'RUA DAS FLORES'),
              el('nro', '45'),
              el('xBairro', 'CENTRO'),
              el('cMun', '3304557'),
              el('xMun', 'RIO DE JANEIRO'),
              el('UF', 'RJ'),
              el('CEP', '20010000'),
              el('cPais', '1058'),
              el('xPais', 'BRASIL'),
            ),
            el('indIEDest', '9'),
          ),
    items,
    totals: {
      vBC: money(base),
      vICMS: money(model === 55 ? icms : 0),
      vICMSDeson: '0.00',
      vFCP: '0.00',
      vBCST: '0.00',
      vST: '0.00',
      vFCPST: '0.00',
      vFCPSTRet: '0.00',
      vProd: money(sum),
      vFrete: '0.00',
      vSeg: '0.00',
      vDesc: '0.00',
      vII: '0.00',
      vIPI: '0.00',
      vIPIDevol: '0.00',
      vPIS: money(pis),
      vCOFINS: money(cofins),
      vOutro: '0.00',
      vNF: money(sum),
      vTotTrib: money(icms + pis + cofins),
    },
    extraGroups: [],
    protocol: spec.withProtocol === false ? null : { cStat: spec.cStat ?? '100' },
  };
  if (spec.noncanonical) {
    parts.extraGroups.push(
      el(
        'infAdic',
        el('infAdFisco'),
        el('infCpl', 'Linha 1 do complemento\nLinha 2: pedido nº 123'),
      ),
    );
  }
  if (spec.paddingBytes !== undefined && spec.paddingBytes > 0) {
    const chunk = 'X'.repeat(1000);
    const obs: Element[] = [];
    for (let k = 0; k * 1040 < spec.paddingBytes; k++)
      obs.push(el('obsCont', { xCampo: `C${k}` }, el('xTexto', chunk)));
    parts.extraGroups.push(el('infAdic', ...obs));
  }
  spec.mutate?.(parts);

  const id = `NFe${parts.chave}`;
  const infNFe = el(
    'infNFe',
    { Id: id, versao: '4.00' },
    el('ide', ...Object.entries(parts.ide).map(([k, v]) => el(k, v))),
    parts.emit,
    parts.dest,
    parts.items,
    el(
      'total',
      el('ICMSTot', ...Object.entries(parts.totals).map(([k, v]) => el(k, v))),
      spec.reformGroups ? el('IBSCBSTot', el('vBCIBSCBS', money(sum))) : null,
    ),
    el('transp', el('modFrete', '9')),
    el(
      'pag',
      el(
        'detPag',
        el('indPag', '0'),
        el('tPag', model === 55 ? '15' : '01'),
        el('vPag', parts.totals.vNF),
      ),
    ),
    ...parts.extraGroups,
  );
  const canonicalInf = serialize(infNFe);
  const signature = signatureFor(canonicalUnderNfe(canonicalInf), id, signer, {
    algorithms: spec.algorithms,
    noncanonical: spec.noncanonical,
  });
  const infText = spec.noncanonical ? noncanonicalForm(canonicalInf) : canonicalInf;
  const supl =
    model === 65
      ? `<infNFeSupl><qrCode>https://www.homologacao.nfce.fazenda.sp.gov.br/qrcode?p=${parts.chave}|2|2|1|ABC</qrCode><urlChave>https://www.homologacao.nfce.fazenda.sp.gov.br/consulta</urlChave></infNFeSupl>`
      : '';
  const nfe = `<NFe xmlns="${NS_NFE}">${infText}${supl}${signature.xml}</NFe>`;
  let xml = nfe;
  if (parts.protocol !== null) {
    const p = parts.protocol;
    const prot = serialize(
      el(
        'protNFe',
        { versao: '4.00' },
        el(
          'infProt',
          el('tpAmb', '2'),
          el('verAplic', 'SP_NFE_PL009_V4'),
          el('chNFe', p.chave ?? parts.chave),
          el('dhRecbto', issuedAt),
          el('nProt', `1${cUF}${String(number).padStart(12, '0')}`),
          el('digVal', p.digVal ?? signature.digestValue),
          el('cStat', p.cStat),
          el('xMotivo', p.cStat === '100' ? 'Autorizado o uso da NF-e' : 'Uso Denegado'),
        ),
      ),
    );
    xml = `<nfeProc xmlns="${NS_NFE}" versao="4.00">${nfe}${prot}</nfeProc>`;
  }
  return finish(xml, spec.encoding ?? 'utf8', spec.declaration ?? true, {
    chave: parts.chave,
    digestValue: signature.digestValue,
    items: parts.items.length,
    vNF: parts.totals.vNF,
  });
}

function finish(
  xml: string,
  encoding: 'utf8' | 'latin1',
  declaration: boolean,
  facts: Omit<GeneratedDocument, 'bytes' | 'xml'>,
): GeneratedDocument {
  const decl = declaration
    ? `<?xml version="1.0" encoding="${encoding === 'utf8' ? 'UTF-8' : 'ISO-8859-1'}"?>`
    : '';
  const text = decl + xml;
  return { ...facts, xml: text, bytes: Buffer.from(text, encoding) };
}

/**
 * Rewrites canonical text into an equivalent, non-canonical serialization of the same infoset:
 * reordered and single-quoted attributes, spaces inside tags, character and entity references,
 * CDATA, a comment, a self-closing empty element, CRLF line ends and a redundant namespace
 * declaration. Canonicalization must undo every one of these.
 */
function noncanonicalForm(canonical: string): string {
  return canonical
    .replace(/^<infNFe Id="([^"]*)" versao="([^"]*)">/, `<infNFe versao='$2'\n   Id="$1" >`)
    .replace('<det nItem="1">', `<det xmlns="${NS_NFE}" nItem = "1">`)
    .replace('<ide>', '<ide><!-- generated: comments are not signed -->')
    .replace(
      /<xProd>([^<]*'ITEM' &gt; [^<]*)<\/xProd>/,
      (_m, t: string) =>
        `<xProd>${t.replace(/'/g, '&apos;').replace('&gt;', '>').replace('Ç', '&#xC7;').replace('"', '&quot;')}</xProd>`,
    )
    .replace(
      /<xNome>([^<]*&amp;[^<]*)<\/xNome>/,
      (_m, t: string) =>
        `<xNome><![CDATA[${t.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>')}]]></xNome>`,
    )
    .replace('<infAdFisco></infAdFisco>', '<infAdFisco/>')
    .replace('Linha 1 do complemento\n', 'Linha 1 do complemento\r\n')
    .replace('</ide>', '</ide >');
}

// --- events ----------------------------------------------------------------------------------

export interface EventSpec {
  readonly chave: string;
  /** 110111 cancellation, 110112 cancellation by substitution, 110110 correction letter, others generic. */
  readonly tpEvento?: string;
  readonly sequence?: number;
  readonly authorCnpj?: string;
  readonly occurredAt?: string;
  readonly cancelledProtocol?: string;
  readonly withProtocol?: boolean;
  readonly algorithms?: SignatureAlgorithms;
  readonly mutate?: (parts: {
    id: string;
    fields: Record<string, string>;
    retChave?: string;
  }) => void;
}

const EVENT_DESCRIPTIONS: Record<string, string> = {
  '110111': 'Cancelamento',
  '110112': 'Cancelamento por substituicao',
  '110110': 'Carta de Correcao',
  '210200': 'Confirmacao da Operacao',
};

/** Generates one signed NF-e event (procEventoNFe by default, or a bare evento). */
export function generateEvent(signer: ThrowawaySigner, spec: EventSpec): GeneratedDocument {
  const tpEvento = spec.tpEvento ?? '110111';
  const seq = spec.sequence ?? 1;
  const occurredAt = spec.occurredAt ?? '2026-08-15T09:00:00-03:00';
  const parts = {
    id: `ID${tpEvento}${spec.chave}${String(seq).padStart(2, '0')}`,
    fields: {
      cOrgao: spec.chave.slice(0, 2),
      tpAmb: '2',
      CNPJ: spec.authorCnpj ?? signer.cnpj,
      chNFe: spec.chave,
      dhEvento: occurredAt,
      tpEvento,
      nSeqEvento: String(seq),
      verEvento: '1.00',
    } as Record<string, string>,
    retChave: undefined as string | undefined,
  };
  spec.mutate?.(parts);
  const description = EVENT_DESCRIPTIONS[tpEvento] ?? 'Evento';
  let detail: Node[];
  if (tpEvento === '110110') {
    detail = [
      el('descEvento', description),
      el('xCorrecao', 'Corrigido o endereco do destinatario: Rua das Flores, 45 & fundos'),
      el(
        'xCondUso',
        'A Carta de Correcao e disciplinada pelo paragrafo 1o-A do art. 7o do Convenio S/N, de 15 de dezembro de 1970',
      ),
    ];
  } else if (tpEvento === '110111' || tpEvento === '110112') {
    detail = [
      el('descEvento', description),
      el('cOrgaoAutor', spec.chave.slice(0, 2)),
      el(
        'nProt',
        spec.cancelledProtocol ??
          `1${spec.chave.slice(0, 2)}${spec.chave.slice(25, 34).padStart(12, '0')}`,
      ),
      el('xJust', 'Cancelamento por erro na digitacao dos valores do pedido'),
    ];
    if (tpEvento === '110112') detail.push(el('chNFeRef', spec.chave));
  } else {
    detail = [el('descEvento', description)];
  }
  const infEvento = el(
    'infEvento',
    { Id: parts.id },
    ...Object.entries(parts.fields).map(([k, v]) => el(k, v)),
    el('detEvento', { versao: '1.00' }, ...detail),
  );
  const canonicalInf = serialize(infEvento);
  const signature = signatureFor(canonicalUnderNfe(canonicalInf), parts.id, signer, {
    algorithms: spec.algorithms,
  });
  const evento = `<evento xmlns="${NS_NFE}" versao="1.00">${canonicalInf}${signature.xml}</evento>`;
  let xml = evento;
  if (spec.withProtocol !== false) {
    const ret = serialize(
      el(
        'retEvento',
        { versao: '1.00' },
        el(
          'infEvento',
          el('tpAmb', '2'),
          el('verAplic', 'SP_EVENTOS_PL_100'),
          el('cOrgao', spec.chave.slice(0, 2)),
          el('cStat', '135'),
          el('xMotivo', 'Evento registrado e vinculado a NF-e'),
          el('chNFe', parts.retChave ?? spec.chave),
          el('tpEvento', tpEvento),
          el('xEvento', description),
          el('nSeqEvento', String(seq)),
          el('dhRegEvento', occurredAt),
          el(
            'nProt',
            `1${spec.chave.slice(0, 2)}${String(Number(seq) + 7_000_000).padStart(12, '0')}`,
          ),
        ),
      ),
    );
    xml = `<procEventoNFe xmlns="${NS_NFE}" versao="1.00">${evento}${ret}</procEventoNFe>`;
  }
  return finish(xml, 'utf8', true, {
    chave: spec.chave,
    digestValue: signature.digestValue,
    items: 0,
    vNF: '0.00',
  });
}
