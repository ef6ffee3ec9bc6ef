import { HttpParseError, ResponseParser } from './http-response-parser';

const bytes = (s: string) => Buffer.from(s, 'latin1');

/** Feeds `text` cut at every position into two chunks, and in one byte at a time. */
function everySplit(text: string): ReturnType<ResponseParser['feed']>[] {
  const runs = [];
  const b = bytes(text);
  for (let cut = 0; cut <= b.length; cut++) {
    const p = new ResponseParser();
    runs.push([...p.feed(b.subarray(0, cut)), ...p.feed(b.subarray(cut))]);
    expect(p.idle).toBe(true);
  }
  const p = new ResponseParser();
  const one = [];
  for (let i = 0; i < b.length; i++) one.push(...p.feed(b.subarray(i, i + 1)));
  runs.push(one);
  return runs;
}

describe('ResponseParser', () => {
  it('reads a Content-Length body however the bytes are cut', () => {
    const text = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 11\r\n\r\n{"a":"b c"}';
    for (const run of everySplit(text)) expect(run).toEqual([{ status: 200, bodyBytes: 11, close: false }]);
  });

  it('reads a chunked body with extensions and trailers', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n10\r\n0123456789abcdef\r\n0\r\nx-t: 1\r\n\r\n';
    for (const run of everySplit(text)) expect(run).toEqual([{ status: 200, bodyBytes: 20, close: false }]);
  });

  it('reads back-to-back answers, 304 without a body, 100 skipped, and Connection: close', () => {
    const text =
      'HTTP/1.1 304 Not Modified\r\netag: "1"\r\n\r\n' +
      'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}' +
      'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
    for (const run of everySplit(text)) {
      expect(run).toEqual([
        { status: 304, bodyBytes: 0, close: false },
        { status: 404, bodyBytes: 2, close: false },
        { status: 200, bodyBytes: 0, close: true },
      ]);
    }
  });

  it('holds an answer back until its last byte', () => {
    const p = new ResponseParser();
    expect(p.feed(bytes('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nabcd'))).toEqual([]);
    expect(p.idle).toBe(false);
    expect(p.feed(bytes('e'))).toEqual([{ status: 200, bodyBytes: 5, close: false }]);
  });

  it('rejects what is not HTTP/1.x or not framed', () => {
    expect(() => new ResponseParser().feed(bytes('SSH-2.0-x\r\n\r\n'))).toThrow(HttpParseError);
    expect(() => new ResponseParser().feed(bytes('HTTP/1.1 200 OK\r\n\r\n'))).toThrow(/neither Content-Length/);
    expect(() => new ResponseParser().feed(bytes('HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n'))).toThrow(
      /Content-Length/,
    );
    expect(() =>
      new ResponseParser().feed(bytes('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n')),
    ).toThrow(/longer than its size/);
  });
});
