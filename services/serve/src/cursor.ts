/**
 * The events cursor: the position of the last touchpoint of a page (date, kind rank, id), opaque to
 * clients (base64url JSON). A cursor is only ever produced by us; anything else is refused.
 */
export interface Cursor {
  date: string;
  rank: number;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.date, c.rank, c.id]), 'utf8').toString('base64url');
}

/** The cursor, or null when the text is not one of ours. */
export function decodeCursor(text: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 3) return null;
  const [date, rank, id] = v as unknown[];
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) return null;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1 || rank > 4) return null;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return null;
  return { date, rank, id };
}
