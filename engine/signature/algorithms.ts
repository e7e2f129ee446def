/** XMLDSig algorithm identifiers, and which of them the fast path computes itself. */
export const NS_DSIG = 'http://www.w3.org/2000/09/xmldsig#';

export const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
export const C14N_WITH_COMMENTS = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const EXC_C14N_WITH_COMMENTS = 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** Digest algorithm URI → Node hash name. */
export const DIGESTS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
};

/** Signature algorithm URI → Node hash name for RSA PKCS#1 v1.5. */
export const SIGNATURES: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
};

/** Algorithms outside the NF-e profile that the reference path (xml-crypto) can still check. */
export const REFERENCE_ONLY = new Set([
  EXC_C14N,
  EXC_C14N_WITH_COMMENTS,
  'http://www.w3.org/2001/04/xmlenc#sha512',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);

export function shortName(uri: string): string {
  const hash = uri.lastIndexOf('#');
  return hash >= 0 && hash < uri.length - 1
    ? uri.slice(hash + 1)
    : uri.slice(uri.lastIndexOf('/') + 1);
}
