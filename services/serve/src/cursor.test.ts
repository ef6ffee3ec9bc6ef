import { decodeCursor, encodeCursor } from './cursor';

describe('events cursor', () => {
  it('round-trips', () => {
    const c = { date: '2026-03-01', rank: 2, id: 'T-1' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it.each([
    '',
    'not base64!',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('["2026-13-45",1,"x"]').toString('base64url'),
    Buffer.from('["2026-01-01",9,"x"]').toString('base64url'),
    Buffer.from('["2026-01-01",1,""]').toString('base64url'),
  ])('refuses %p', (text) => {
    expect(decodeCursor(text)).toBeNull();
  });
});
