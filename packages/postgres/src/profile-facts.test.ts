import { AGGREGATE_FIELDS } from '@cdp360/domain';
import { profilesFromFactsSql, STRUCTURAL_FACTS_COLUMNS } from './profile-facts';

const sql = profilesFromFactsSql('customer_id BETWEEN $1 AND $2', '$3');

/** The output columns of the rebuild query (its last SELECT, before FROM ids), unqualified. */
function selectList(text: string): string[] {
  const m = /\nSELECT (ids\.customer_id[\s\S]*?)\nFROM ids\b/.exec(text);
  if (!m) throw new Error('rebuild query: no final SELECT … FROM ids');
  return m[1]!.split(',').map((c) => c.trim().replace(/^\w+\./, ''));
}

describe('the rebuild query against the aggregate state declaration', () => {
  const columns = selectList(sql);

  it('selects every declared aggregate', () => {
    expect(AGGREGATE_FIELDS.map((f) => f.column).filter((c) => !columns.includes(c))).toEqual([]);
  });

  it('selects nothing that is neither a declared aggregate nor a structural column', () => {
    const known = new Set<string>([...AGGREGATE_FIELDS.map((f) => f.column), ...STRUCTURAL_FACTS_COLUMNS]);
    expect(columns.filter((c) => !known.has(c))).toEqual([]);
  });

  it.each(AGGREGATE_FIELDS.map((f) => [f.code, f.column]))(
    '%s is computed as %s by one of the CTEs',
    (_code, column) => {
      expect(sql).toMatch(new RegExp(`\\bAS ${column}\\b`));
    },
  );
});
