// Port refuses request bodies over 1 MiB (413), and a refused log line is lost for good. Long messages are
// cut well below that, on a character boundary, with a marker saying how much was dropped.

/** Default room for one log message: half of Port's body limit, measured as the JSON-encoded string. */
export const MAX_LOG_BYTES = 512 * 1024;

const encodedBytes = (s: string): number => Buffer.byteLength(JSON.stringify(s), 'utf8');

export function truncateLogMessage(message: string, maxBytes = MAX_LOG_BYTES): string {
  // JSON escaping grows a character to at most 6 bytes: short messages need no measuring.
  if (message.length * 6 + 2 <= maxBytes || encodedBytes(message) <= maxBytes) return message;
  const totalBytes = Buffer.byteLength(message, 'utf8');
  const room = maxBytes - 64; // the marker's own size
  // The longest prefix whose encoded form fits (escapes make bytes and characters diverge).
  let lo = 0;
  let hi = message.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (encodedBytes(message.slice(0, mid)) <= room) lo = mid;
    else hi = mid - 1;
  }
  let cut = lo;
  // Never split a surrogate pair.
  const last = message.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut--;
  const kept = message.slice(0, cut);
  return `${kept}… [truncated ${totalBytes - Buffer.byteLength(kept, 'utf8')} bytes]`;
}
