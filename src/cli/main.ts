#!/usr/bin/env node
/**
 * cli/: the `mlship` command, one file per command group. It may import from every other folder;
 * nothing imports from it.
 */
import { Command, type CommanderError } from 'commander';
import { VERSION } from '../core/version.js';
import { registerData } from './data.js';
import { registerQuickstart } from './quickstart.js';
import { fail } from './run.js';
import { registerServer } from './server.js';
import { registerTrain } from './train.js';

const program = new Command();
program
  .name('mlship')
  .description(
    'From a versioned raw dataset to a served model: DVC-, scikit-learn-, MLflow- and KServe-compatible.',
  )
  .version(VERSION)
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

registerData(program);
registerTrain(program);
registerServer(program);
registerQuickstart(program);

/** `mlship data remote add` for a command deep in the tree. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * commander's own usage errors (unknown option, missing argument) are bad input like any other:
 * one line — the reason and where to read the usage — and exit 2. Each command gets its own
 * handler so the line names it; commander's two-line output is replaced by it.
 */
function oneLineUsageErrors(cmd: Command): void {
  cmd.configureOutput({ outputError: () => {} });
  cmd.exitOverride((err: CommanderError) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
      process.exit(0);
    }
    // commander.help: a command group run without its subcommand; commander printed its help
    if (err.code !== 'commander.help') {
      // commander puts its "(Did you mean …?)" on a line of its own
      const reason = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      process.stderr.write(`mlship: ${reason} (see ${commandPath(cmd)} --help)\n`);
    }
    process.exit(2);
  });
  for (const sub of cmd.commands) oneLineUsageErrors(sub);
}
oneLineUsageErrors(program);

program.parseAsync(process.argv).catch(fail);
