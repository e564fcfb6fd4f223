#!/usr/bin/env node
// Entry point of the `s3lab` binary: runs the CLI on this process's arguments, then exits with
// its code. Exiting explicitly matters: a notebook run (`s3lab run`) can leave handles open, a
// server a failed cell never closed, and the process would otherwise wait on them forever.
// Commands that serve (`s3lab serve …`) resolve only once their server has closed.
import { main } from './main.js';

process.exit(await main(process.argv.slice(2)));
