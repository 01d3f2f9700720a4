// Server-sent events: one message at connect, then one whenever the page state changes and the
// producer has something new. The client's EventSource reconnects by itself; nothing polls.
import type { Request, Response } from 'express';
import type { PageState } from './pageState.js';

export interface StreamEvent {
  event: string;
  data: unknown;
}

/** `produce` returns the events to send now (possibly none) and whether the stream is finished. */
export function openStream(req: Request, res: Response, state: PageState, produce: () => { events: StreamEvent[]; done?: boolean }): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive' });
  res.write('retry: 1000\n\n');
  let closed = false;
  const unsubscribe = state.subscribe(() => push());
  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    res.end();
  };
  const push = () => {
    if (closed) return;
    const { events, done } = produce();
    for (const e of events) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    if (done) close();
  };
  req.on('close', close);
  push();
}
