import type { Command } from 'commander';

/** Placeholder until this command group lands; registers nothing. */
export function register(_program: Command): void {}
