#!/usr/bin/env node
// The compiled CLI lives in dist/; this shim keeps the bin path stable before the first build.
import '../dist/cli/run.js';
