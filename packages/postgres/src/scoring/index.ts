export { type ClvStepOptions, type ClvStepResult, scoreClvQuintiles } from './clv';
export { latestClvCutPoints } from './cut-points';
export { DATE_COLUMN_SQL, type DatesStepResult, refreshDateColumns } from './dates';
export { FAVOURITE_SQL, type FavoritesStepOptions, type FavoritesStepResult, sweepFavorites } from './favorites';
export { type LeaseAttempt, SCORING_LOCK_KEY, ScoringLease } from './lease';
export {
  finishScoringRun,
  lastFavoritesRevision,
  periodRunFinished,
  recordClvStep,
  recordDatesStep,
  recordFavoritesStep,
  recordStepTriggers,
  type StartScoringRun,
  startScoringRun,
} from './runs';
export { type CaptureSql, captureSql, type StepTriggers, withStepTriggers } from './trigger-capture';
