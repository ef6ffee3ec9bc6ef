import type { Command } from 'commander';
import { registerApiKeyCommand } from './apikey';
import { registerBatchCommand } from './batch';
import { registerEraseCommand } from './erase';
import { registerGenerateCommand } from './generate';
import { registerJourneyCommand } from './journey';
import { registerLoadCommand } from './load';
import { registerMigrateCommand } from './migrate';
import { registerRebuildCommand } from './rebuild';
import { registerReconcileCommand } from './reconcile';
import { registerReplayCommand } from './replay';
import { registerSchemasCommand } from './schemas';
import { registerScoreCommand } from './score';
import { registerScorerCommand } from './scorer';
import { registerServeCommand } from './serve';
import { registerSummaryCommand } from './summary';
import { registerTopicsCommand } from './topics';
import { registerUpdaterCommand } from './updater';

/** Each command lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  registerMigrateCommand(program);
  registerBatchCommand(program);
  registerTopicsCommand(program);
  registerGenerateCommand(program);
  registerUpdaterCommand(program);
  registerLoadCommand(program);
  registerSummaryCommand(program);
  registerReconcileCommand(program);
  registerReplayCommand(program);
  registerRebuildCommand(program);
  registerEraseCommand(program);
  registerSchemasCommand(program);
  registerScoreCommand(program);
  registerScorerCommand(program);
  registerServeCommand(program);
  registerApiKeyCommand(program);
  registerJourneyCommand(program);
}
