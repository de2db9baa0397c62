/** Reads a server-sent-event stream from fetch and hands out parsed events one by one. */
export interface SseEvent {
  event: string;
  data: string;
}

export async function openEvents(url: string, init: RequestInit = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  if (!res.body) throw new Error('no body');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const comments: string[] = [];

  /** Next event with the given name (other events are skipped); rejects when the stream ends first. */
  async function next(name: string): Promise<SseEvent> {
    while (true) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const ev: SseEvent = { event: 'message', data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line);
          else if (line.startsWith('event: ')) ev.event = line.slice(7);
          else if (line.startsWith('data: ')) ev.data += line.slice(6);
        }
        if (ev.event === name && ev.data) return ev;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before a "${name}" event`);
      buffer += decoder.decode(value, { stream: true });
    }
  }

  return {
    response: res,
    next,
    comments,
    close() {
      controller.abort();
    },
  };
}
