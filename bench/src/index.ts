export { type DecodeOptions, runDecode } from './decode';
export { type DrainOptions, runDrain } from './drain';
export { type FreshnessOptions, runFreshness } from './freshness';
export { type RebuildOptions, runRebuild } from './rebuild';
export { publish, type ScenarioResult } from './report';
export { runScore, type ScoreOptions } from './score';
export { runServeBench, type ServeBenchOptions } from './serve';
