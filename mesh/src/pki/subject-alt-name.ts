/** One entry of a certificate's subject alternative names, as Node prints it. */
export interface SubjectAltNameEntry {
  /** Node's label: `DNS`, `URI`, `IP Address`, `email`, `DirName`, ... */
  readonly type: string;
  /** The value, unquoted. */
  readonly value: string;
}

/**
 * Splits Node's `subjectaltname` text (from `tls.PeerCertificate` or `X509Certificate`) into
 * entries, e.g. `"DNS:localhost, URI:spiffe://parley.local/svc/auth, IP Address:127.0.0.1"`.
 *
 * Why not `split(", ")`: a value may itself contain `, URI:...`. Node quotes such values as JSON
 * strings (`URI:"spiffe://a, URI:spiffe://b"`), so they must be read as one entry, or a forged
 * name could smuggle in a second identity. Returns `undefined` when the text is malformed, so
 * callers fail closed.
 */
export function parseSubjectAltName(text: string): SubjectAltNameEntry[] | undefined {
  const entries: SubjectAltNameEntry[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(":", i);
    if (colon < 0) return undefined;
    const type = text.slice(i, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      const close = closingQuote(text, colon + 1);
      if (close < 0) return undefined;
      try {
        value = JSON.parse(text.slice(colon + 1, close + 1)) as string;
      } catch {
        return undefined;
      }
      end = close + 1;
    } else {
      const comma = text.indexOf(",", colon + 1);
      end = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, end);
    }
    entries.push({ type, value });
    if (end === text.length) break;
    if (text.slice(end, end + 2) !== ", ") return undefined;
    i = end + 2;
  }
  return entries;
}

/** Index of the `"` closing the JSON string that opens at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] === "\\") j++;
    else if (text[j] === '"') return j;
  }
  return -1;
}
