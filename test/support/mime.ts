/** One leaf part of a MIME message: its content type (lowercase, without parameters) and its decoded text. */
export interface MimePart {
  type: string;
  body: string;
}

/** A message's header (unfolded, names lowercase) and its body. */
function splitMessage(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: end === -1 ? '' : raw.slice(end + 4) };
}

function decode(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'base64':
      return Buffer.from(body, 'base64').toString('utf8');
    case 'quoted-printable': {
      // Soft line breaks go; every =XX is a byte of UTF-8, everything else stands for itself (ASCII).
      const text = body.replace(/=\r\n/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < text.length; i++) {
        const hex = text.slice(i + 1, i + 3);
        if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else bytes.push(text.charCodeAt(i));
      }
      return Buffer.from(bytes).toString('utf8');
    }
    default:
      return body;
  }
}

/**
 * The leaf parts of a raw message as a mail client reads them (multipart nested at any depth; base64 and
 * quoted-printable decoded as UTF-8): enough to read what bookbell's mails say without a mail parser.
 */
export function mimeParts(raw: string): MimePart[] {
  const { headers, body } = splitMessage(raw);
  const contentType = headers.get('content-type') ?? 'text/plain';
  const type = (contentType.split(';')[0] as string).trim().toLowerCase();
  if (!type.startsWith('multipart/')) return [{ type, body: decode(body, headers.get('content-transfer-encoding')) }];
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new Error(`multipart without a boundary: ${contentType}`);
  const sections = body.split(`--${boundary}`).slice(1); // before the first delimiter is the preamble
  return sections
    .filter((section) => !section.startsWith('--')) // the closing delimiter
    .flatMap((section) => mimeParts(section.replace(/^\r\n/, '').replace(/\r\n$/, '')));
}
