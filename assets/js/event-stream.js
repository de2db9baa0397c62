// The live stream (/events) read with fetch instead of EventSource: EventSource hides the HTTP status, so a
// 503 too_many_clients (every stream slot taken by other dashboards) would look like a broken connection.
// Server-sent-event text: blocks separated by a blank line, each with `event: name`, `data: json` (possibly
// several lines, joined by \n), `retry: ms`, or a `: comment` (the heartbeat).

/** Splits `text` into complete events; `rest` is an unfinished block to prepend to the next chunk. */
export function parseEvents(text) {
  const events = [];
  let retry;
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop();
  for (const block of blocks) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return { events, rest, retry };
}

/**
 * Reads the stream until it ends. `onOpen()` once the server accepted it, `onEvent(name, data)` per event.
 * Resolves with why it ended: `{ status, body, retry }` (status 200 when an open stream closed, 0 on a network
 * error; `body` is the JSON error of a refused stream).
 */
export async function readStream(path, { onOpen, onEvent }) {
  let retry;
  let res;
  try {
    res = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'text/event-stream' } });
  } catch {
    return { status: 0 };
  }
  if (!res.ok || !res.body) {
    const body = await res.json().catch(() => undefined);
    return { status: res.status, body };
  }
  onOpen();
  const reader = res.body.getReader();
  const decoder = new window.TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const parsed = parseEvents(buffer + decoder.decode(value, { stream: true }));
      buffer = parsed.rest;
      if (parsed.retry !== undefined) retry = parsed.retry;
      for (const e of parsed.events) onEvent(e.event, e.data);
    }
  } catch {
    // the connection broke: treated like the end of the stream
  }
  return { status: 200, retry };
}
