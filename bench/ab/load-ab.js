// A/B of the rebuild's Redis load: A = one load-profile-3.lua call per customer (the code before
// the several-customers script), B = AggregateStore.load of this build. CPU of this process and of
// Redis (INFO cpu) per customer and wall time, alternated, over synthetic profiles. Run it against a
// private server (it FLUSHALLs):
//   redis-server --port 6391 --save '' --appendonly no --daemonize yes
//   git show 2e38b2d:packages/redis/lua/load-profile-3.lua > /tmp/load-profile-3.lua
//   PORT=6391 N=50000 PAIRS=4 node bench/ab/load-ab.js
const { readFileSync } = require('node:fs');
const { AggregateStore, RedisKeys, createRedis } = require('../../packages/redis/dist/index.js');
const { serializeProfile } = require('../../packages/redis/dist/aggregate-state.js');
const { emptyProfileState } = require('../../packages/domain/dist/index.js');
const port = Number(process.env.PORT || 6391);
const N = Number(process.env.N || 50000),
  CHUNK = 5000,
  PAIRS = Number(process.env.PAIRS || 4);
function profile(id) {
  const s = emptyProfileState(id);
  s.version = 1000n;
  s.orders = 5;
  s.lifetimeValueCents = 12345n;
  s.lastPurchaseDate = '2026-01-02';
  for (let k = 0; k < 8; k++) s.productLines.set((id % 1000) + k, 1 + (k % 3));
  s.interactions = 2;
  s.satisfactionSum = 7;
  s.satisfactionCount = 2;
  s.resolvedInteractions = 1;
  s.responses = 4;
  s.conversions = 1;
  s.campaignsEngaged = 3;
  s.sessions = 9;
  s.pagesViewedSum = 40;
  s.timeSpentSum = 12.5;
  s.lastVisitDate = '2026-01-03';
  s.record = {
    kind: 'customer',
    customerId: id,
    firstName: 'A',
    lastName: 'B',
    email: 'a@b.c',
    phoneNumber: null,
    dateOfBirth: '1990-01-01',
    registrationDate: '2024-01-01',
  };
  return {
    state: s,
    recordTime: '2026-01-01T00:00:00.000000000Z',
    recordSeq: '12',
    watermarks: new Map([
      ['t.p/0', '100'],
      ['t.s/1', '200'],
      ['t.w/2', '300'],
    ]),
    markers: [],
    campaignIds: [1, 2, 3],
  };
}
async function cpuRedis(r) {
  const t = await r.info('cpu');
  return (Number(/used_cpu_sys:([\d.]+)/.exec(t)[1]) + Number(/used_cpu_user:([\d.]+)/.exec(t)[1])) * 1e6;
}
(async () => {
  const redis = createRedis(`redis://127.0.0.1:${port}`, { connectionName: 'ab' });
  redis.defineCommand('oldLoad', { numberOfKeys: 3, lua: readFileSync('/tmp/load-profile-3.lua', 'utf8') });
  const keys = new RedisKeys('ab:');
  const store = new AggregateStore(redis, keys);
  await redis.set(keys.epoch(), '1');
  const res = { A: [], B: [] };
  for (let pair = 0; pair < PAIRS; pair++) {
    for (const v of pair % 2 ? ['B', 'A'] : ['A', 'B']) {
      await redis.flushall();
      await redis.set(keys.epoch(), '1');
      let node = 0,
        red = 0,
        wall = 0;
      for (let i = 0; i < N; i += CHUNK) {
        const profs = [];
        for (let id = i; id < i + CHUNK; id++) profs.push(profile(id + 1));
        const c0 = process.cpuUsage(),
          r0 = await cpuRedis(redis),
          w0 = performance.now();
        if (v === 'A') {
          const p = redis.pipeline();
          for (const prof of profs) {
            const k = keys.customer(prof.state.customerId);
            const { agg, products, campaigns } = serializeProfile(prof);
            p.oldLoad(
              k.aggregate,
              k.productLines,
              k.campaigns,
              agg.length / 2,
              products.length / 2,
              ...agg,
              ...products,
              ...campaigns,
            );
          }
          await p.exec();
        } else await store.load(profs);
        wall += performance.now() - w0;
        const c = process.cpuUsage(c0);
        node += c.user + c.system;
        red += (await cpuRedis(redis)) - r0;
      }
      const check = await redis.hget(keys.customer(N).aggregate, 'po');
      res[v].push({ nodeUs: node / N, redisUs: red / N, wallUs: (wall * 1000) / N, check });
      console.log(v, (node / N).toFixed(1), (red / N).toFixed(1), ((wall * 1000) / N).toFixed(1), check);
    }
  }
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  for (const k of ['nodeUs', 'redisUs', 'wallUs'])
    console.log(k, 'A', med(res.A.map((x) => x[k])).toFixed(1), 'B', med(res.B.map((x) => x[k])).toFixed(1));
  await redis.quit();
})();
