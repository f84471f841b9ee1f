#!/usr/bin/env node
/**
 * cli/: the `mlship` command, one file per command group. It may import from every other folder;
 * nothing imports from it.
 */
import { Command } from 'commander';
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
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .exitOverride((err) => {
    // commander's own usage errors (unknown option, missing argument) exit 2 like bad input
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

registerData(program);
registerTrain(program);
registerServer(program);
registerQuickstart(program);

program.parseAsync(process.argv).catch(fail);
