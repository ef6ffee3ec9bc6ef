/** One whole HTTP/1.1 response as the load client checks it: its status and how many body bytes came. */
export interface ParsedResponse {
  status: number;
  bodyBytes: number;
  /** The server said Connection: close: no further response comes on this connection. */
  close: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** A header block larger than this is taken as a broken stream rather than buffered on. */
const MAX_HEAD_BYTES = 64 * 1024;

export class HttpParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpParseError';
  }
}

type State =
  | { kind: 'head' }
  | { kind: 'body'; status: number; close: boolean; remaining: number; bytes: number }
  | { kind: 'chunk-size'; status: number; close: boolean; bytes: number }
  | { kind: 'chunk-data'; status: number; close: boolean; remaining: number; bytes: number }
  | { kind: 'chunk-end'; status: number; close: boolean; bytes: number }
  | { kind: 'trailer'; status: number; close: boolean; bytes: number };
/** What a header block starts; 'interim': a 1xx response was read, the final one follows. */
type Head = State | { kind: 'interim' };

/**
 * A minimal incremental parser of HTTP/1.1 responses for the load client: the status line, the
 * Content-Length or chunked framing of the body (read through, never copied), and Connection: close.
 * It reads every byte of every response, so a response counts only once it has fully arrived. 1xx
 * interim responses are skipped; bodies of 204 and 304 responses are empty by definition; a response without either framing header
 * (a body delimited by the connection's end) is rejected: the API always frames its bodies.
 */
export class ResponseParser {
  private state: State = { kind: 'head' };
  /** Bytes of an incomplete header block or chunk-size line, kept across chunks. */
  private pending: Buffer | null = null;

  /** Feeds the bytes read from the socket; returns the responses they complete (usually 0 or 1). */
  feed(chunk: Buffer): ParsedResponse[] {
    const out: ParsedResponse[] = [];
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    while (at < buf.length) {
      const s = this.state;
      if (s.kind === 'head') {
        const end = buf.indexOf(CRLFCRLF, at);
        if (end < 0) {
          if (buf.length - at > MAX_HEAD_BYTES) throw new HttpParseError('response header block over 64 KiB');
          this.pending = buf.subarray(at);
          break;
        }
        const head = buf.toString('latin1', at, end);
        at = end + 4;
        const n = parseHead(head);
        this.state = n.kind === 'interim' ? { kind: 'head' } : n;
        if (n.kind === 'body' && n.remaining === 0) {
          out.push({ status: n.status, bodyBytes: 0, close: n.close });
          this.state = { kind: 'head' };
        }
      } else if (s.kind === 'body' || s.kind === 'chunk-data') {
        const take = Math.min(s.remaining, buf.length - at);
        at += take;
        s.remaining -= take;
        s.bytes += take;
        if (s.remaining > 0) break;
        if (s.kind === 'body') {
          out.push({ status: s.status, bodyBytes: s.bytes, close: s.close });
          this.state = { kind: 'head' };
        } else {
          // A chunk's data ends with CRLF: read as an empty line before the next chunk size.
          this.state = { kind: 'chunk-end', status: s.status, close: s.close, bytes: s.bytes };
        }
      } else {
        const eol = buf.indexOf(CRLF, at);
        if (eol < 0) {
          if (buf.length - at > 1024) throw new HttpParseError('chunk-size line over 1 KiB');
          this.pending = buf.subarray(at);
          break;
        }
        const line = buf.toString('latin1', at, eol);
        at = eol + 2;
        if (s.kind === 'trailer') {
          if (line === '') {
            out.push({ status: s.status, bodyBytes: s.bytes, close: s.close });
            this.state = { kind: 'head' };
          }
          continue;
        }
        if (s.kind === 'chunk-end') {
          if (line !== '') throw new HttpParseError('chunk data longer than its size');
          this.state = { kind: 'chunk-size', status: s.status, close: s.close, bytes: s.bytes };
          continue;
        }
        const size = Number.parseInt(line.split(';', 1)[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0) throw new HttpParseError(`bad chunk size ${JSON.stringify(line)}`);
        this.state =
          size === 0
            ? { kind: 'trailer', status: s.status, close: s.close, bytes: s.bytes }
            : { kind: 'chunk-data', status: s.status, close: s.close, remaining: size, bytes: s.bytes };
      }
    }
    return out;
  }

  /** True between responses: no response is partly read. */
  get idle(): boolean {
    return this.state.kind === 'head' && this.pending === null;
  }
}

function parseHead(head: string): Head {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] ([0-9]{3})/.exec(lines[0] ?? '');
  if (!m) throw new HttpParseError(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
  const status = Number(m[1]);
  let length: number | undefined;
  let chunked = false;
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'content-length') {
      length = Number(line.slice(colon + 1).trim());
      if (!Number.isInteger(length) || length < 0) throw new HttpParseError('bad Content-Length');
    } else if (name === 'transfer-encoding') {
      chunked = /(^|,)\s*chunked\s*$/i.test(line.slice(colon + 1));
    } else if (name === 'connection') {
      close = /(^|,)\s*close\s*(,|$)/i.test(line.slice(colon + 1));
    }
  }
  if (status < 200) return { kind: 'interim' };
  if (status === 204 || status === 304) return { kind: 'body', status, close, remaining: 0, bytes: 0 };
  if (chunked) return { kind: 'chunk-size', status, close, bytes: 0 };
  if (length === undefined) throw new HttpParseError(`a ${status} response with neither Content-Length nor chunked`);
  return { kind: 'body', status, close, remaining: length, bytes: 0 };
}
