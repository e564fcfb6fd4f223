#!/usr/bin/env node
// The compiled CLI lives in dist/; this shim keeps the bin path stable before the first build.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
