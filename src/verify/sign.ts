import { createHmac } from 'node:crypto';

/** Port's webhook signature: `v1,` + base64(HMAC-SHA256(secret, `<timestamp>.<body>`)). */
export function signPortWebhook(secret: string, timestamp: string, body: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}
