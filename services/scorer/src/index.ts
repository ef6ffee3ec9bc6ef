export { parseDuration } from './duration';
export {
  defaultHolder,
  type PeriodOutcome,
  runScorer,
  type ScoreOnceOptions,
  type ScoreOnceResult,
  type ScorerOptions,
  type ScorerSummary,
  scoreOnce,
} from './scorer';
export { formatScoringReport, type RunScoringOptions, runScoring, type ScoringReport } from './scoring-run';
