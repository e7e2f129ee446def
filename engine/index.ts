/** The engine's public surface: what api/ and scheduler/ may import. */
export { checkDocument, DEFAULT_MAX_DOCUMENT_BYTES } from './check-document';
export type { CheckOptions, DocumentKind, DocumentVerdict } from './check-document';
export { VERDICT_CODES, VerdictError, isVerdictCode } from './codes';
export type { VerdictCode } from './codes';
export type * from './parse/types';
export type { SignatureCheck } from './signature/verify-signature';
export type { CertificateFacts } from './signature/certificate';
