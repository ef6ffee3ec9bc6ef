import type { Command } from 'commander';
import { registerTopicsCommand } from './topics';

/** Each command lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  registerTopicsCommand(program);
}
