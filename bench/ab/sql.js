// Prints the SQL a step sends (a recording client), for EXPLAIN.
const { DEFAULT_TRIGGER_RULES } = require('@cdp360/domain');
const which =
  process.argv[2] === 'old' ? require('./baseline/dist/scoring') : require('../../packages/postgres/dist/scoring');
const step = process.argv[3];
const fake = {
  query: async (text) => {
    if (/^\s*WITH/.test(text)) console.log(`${text};`);
    return { rows: [{}] };
  },
};
(async () => {
  const triggers = { rules: DEFAULT_TRIGGER_RULES, profileVersion: 'score-ab' };
  if (step === 'dates') await which.refreshDateColumns(fake, '2026-07-01', triggers);
  else await which.sweepFavorites(fake, null, triggers);
})();
