/** A body as the trace keeps it: at most `bodyBytes`, with a marker saying what was cut. */
export interface KeptBody {
  body: string;
  bodySize: number;
  truncated?: true;
}

/** Bytes a token, JWT or base64 run is made of: a cut never leaves a fragment of one behind. */
const isTokenByte = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f || b === 0x2e || b === 0x2a || b === 0x25 || b === 0x2b || b === 0x2f || b === 0x3d;

/**
 * The first `cap` bytes of a body, cut on a UTF-8 character boundary and before any run of token
 * characters the cut would split (so no partial secret escapes redaction), then a marker.
 */
export function keepBody(body: Buffer, cap: number): KeptBody {
  if (body.length <= cap) return { body: body.toString('utf8'), bodySize: body.length };
  let cut = cap;
  while (cut > 0 && (body[cut]! & 0xc0) === 0x80) cut--;
  if (isTokenByte(body[cut]!)) while (cut > 0 && isTokenByte(body[cut - 1]!)) cut--;
  return { body: `${body.subarray(0, cut).toString('utf8')}${truncationMarker(body.length, cut)}`, bodySize: body.length, truncated: true };
}

export const truncationMarker = (size: number, kept: number) => `…[body truncated by the lab trace: ${size} bytes, first ${kept} kept]`;
