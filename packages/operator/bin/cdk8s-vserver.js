#!/usr/bin/env node
// The operator CLI (src/cli.ts, compiled to lib/): `npx cdk8s-vserver help`.
process.exitCode = require('../lib/cli.js').main(process.argv.slice(2));
