-- Scoring runs raise personalization triggers for the rows they change (CLV quintile, favourites,
-- churn): how many each run queued, for the run's record and `cdp summary`.
ALTER TABLE scoring_runs ADD COLUMN triggers_queued integer;
