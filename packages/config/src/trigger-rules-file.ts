import { readFileSync } from 'node:fs';
import { DEFAULT_TRIGGER_RULES, parseTriggerRules, type TriggerRules } from '@cdp360/domain';
import { ZodError } from 'zod';
import { ConfigError } from './config';

/** The trigger rules of CDP_TRIGGERS_FILE, or the defaults; a bad file is a ConfigError naming the problem. */
export function loadTriggerRules(file: string | undefined): TriggerRules {
  if (file === undefined) return DEFAULT_TRIGGER_RULES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      'CDP_TRIGGERS_FILE',
      `CDP_TRIGGERS_FILE=${file}: cannot read it as JSON (${(err as Error).message})`,
    );
  }
  try {
    return parseTriggerRules(parsed);
  } catch (err) {
    const detail =
      err instanceof ZodError
        ? err.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')
        : (err as Error).message;
    throw new ConfigError(
      'CDP_TRIGGERS_FILE',
      `CDP_TRIGGERS_FILE=${file}: not a valid rules file (${detail}); expected {"rules": {"<name>": {"when": ..., "column": ...}}}`,
    );
  }
}
