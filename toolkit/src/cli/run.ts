#!/usr/bin/env node
// Entry point of the `s3lab` binary: runs the CLI on this process's arguments.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
