/**
 * Typed structures of a parsed NF-e / NFC-e and of an NF-e event. Monetary values and quantities
 * stay decimal strings exactly as written (never floats). Groups not modelled here are kept as JSON
 * in `extra` (keys are paths below infNFe / det / infEvento), so nothing signed is dropped.
 */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Address {
  readonly street: string | null;
  readonly number: string | null;
  readonly complement: string | null;
  readonly district: string | null;
  readonly cityCode: string | null;
  readonly cityName: string | null;
  readonly uf: string | null;
  readonly cep: string | null;
  readonly countryCode: string | null;
  readonly countryName: string | null;
  readonly phone: string | null;
}

export interface Party {
  readonly cnpj: string | null;
  readonly cpf: string | null;
  readonly foreignId: string | null;
  readonly name: string | null;
  readonly tradeName: string | null;
  readonly ie: string | null;
  readonly uf: string | null;
  readonly cityCode: string | null;
  readonly cityName: string | null;
  readonly address: Address | null;
  /** Other fields of emit / dest (CRT, IM, CNAE, indIEDest, email, …). */
  readonly extra: JsonObject | null;
}

export interface TaxGroup {
  /** Name of the concrete group, e.g. ICMS00, ICMSSN102, PISAliq, IPITrib. */
  readonly group: string | null;
  /** CST, or CSOSN for Simples Nacional ICMS. */
  readonly cst: string | null;
  readonly base: string | null;
  readonly rate: string | null;
  readonly value: string | null;
  /** Remaining fields of the group (orig, modBC, vBCST, vICMSST, cEnq, …). */
  readonly extra: JsonObject | null;
}

export interface Item {
  readonly number: number;
  readonly code: string;
  readonly gtin: string | null;
  readonly description: string;
  readonly ncm: string | null;
  readonly cest: string | null;
  readonly cfop: string;
  readonly unit: string;
  readonly quantity: string;
  readonly unitValue: string;
  readonly value: string;
  /** prod/indTot: false when the item's value does not compose ICMSTot/vProd (indTot = 0). */
  readonly countsInTotal: boolean;
  readonly discount: string | null;
  readonly freight: string | null;
  readonly insurance: string | null;
  readonly otherCharges: string | null;
  readonly icms: TaxGroup | null;
  readonly ipi: TaxGroup | null;
  readonly pis: TaxGroup | null;
  readonly cofins: TaxGroup | null;
  readonly totalTaxes: string | null;
  readonly additionalInfo: string | null;
  /** Unmodelled groups of det / prod / imposto (IBSCBS, rastro, med, comb, DI, …). */
  readonly extra: JsonObject | null;
}

/** ICMSTot, every field as written (absent fields are null). */
export interface Totals {
  readonly vBC: string | null;
  readonly vICMS: string | null;
  readonly vICMSDeson: string | null;
  readonly vFCP: string | null;
  readonly vBCST: string | null;
  readonly vST: string | null;
  readonly vFCPST: string | null;
  readonly vFCPSTRet: string | null;
  readonly vProd: string;
  readonly vFrete: string | null;
  readonly vSeg: string | null;
  readonly vDesc: string | null;
  readonly vII: string | null;
  readonly vIPI: string | null;
  readonly vIPIDevol: string | null;
  readonly vPIS: string | null;
  readonly vCOFINS: string | null;
  readonly vOutro: string | null;
  readonly vNF: string;
  readonly vTotTrib: string | null;
}

export interface Payment {
  readonly indPag: string | null;
  readonly tPag: string;
  readonly description: string | null;
  readonly value: string;
  readonly card: JsonObject | null;
}

export interface Installment {
  readonly number: string | null;
  readonly dueDate: string | null;
  readonly value: string;
}

export interface Protocol {
  readonly cStat: string | null;
  readonly reason: string | null;
  readonly protocolNumber: string | null;
  readonly receivedAt: string | null;
  readonly chave: string | null;
  readonly digestValue: string | null;
  readonly tpAmb: string | null;
}

export type InvoiceState = 'authorized' | 'cancelled' | 'denied' | 'unknown';

export interface ParsedInvoice {
  readonly type: 'invoice';
  readonly chave: string;
  readonly layoutVersion: string | null;
  readonly model: 55 | 65;
  readonly series: number;
  readonly number: number;
  readonly issuedAt: string;
  readonly exitAt: string | null;
  /** tpNF: 0 entrada, 1 saída. */
  readonly operationType: string;
  readonly operationNature: string | null;
  readonly environment: string | null;
  readonly emissionType: string;
  readonly purpose: string | null;
  readonly cUF: string;
  readonly cNF: string | null;
  readonly checkDigit: string | null;
  readonly emitter: Party;
  readonly recipient: Party | null;
  readonly items: Item[];
  readonly totals: Totals;
  readonly payments: Payment[];
  readonly change: string | null;
  readonly installments: Installment[];
  readonly protocol: Protocol | null;
  /** State the protocol alone implies (events can later change it to cancelled). */
  readonly protocolState: InvoiceState;
  /** Unmodelled groups below infNFe (transp, infAdic, IBSCBSTot, NFref, …). */
  readonly extra: JsonObject | null;
}

export type EventType = 'cancellation' | 'cancellation_substitution' | 'correction' | 'other';

export interface EventProtocol {
  readonly cStat: string | null;
  readonly reason: string | null;
  readonly protocolNumber: string | null;
  readonly registeredAt: string | null;
  readonly chave: string | null;
  readonly tpEvento: string | null;
  readonly nSeqEvento: string | null;
}

export interface ParsedEvent {
  readonly type: 'event';
  readonly id: string;
  readonly chave: string;
  readonly eventType: EventType;
  readonly tpEvento: string;
  readonly sequence: number;
  readonly description: string | null;
  readonly occurredAt: string;
  readonly orgao: string | null;
  readonly environment: string | null;
  readonly authorCnpj: string | null;
  readonly authorCpf: string | null;
  /** nProt of the authorization being cancelled (110111 / 110112). */
  readonly cancelledProtocol: string | null;
  readonly justification: string | null;
  readonly correction: string | null;
  /** chNFeRef of a cancellation by substitution (110112). */
  readonly substituteChave: string | null;
  readonly protocol: EventProtocol | null;
  readonly extra: JsonObject | null;
}

export type ParsedDocument = ParsedInvoice | ParsedEvent;
