// Runs the Khronos glTF validator over GLB files and fails on any error.
//
//   node validate.mjs <node_modules dir holding gltf-validator> <file.glb>...
//
// Prints every reported issue (errors, warnings, infos) so a failing run
// shows why; exits 1 if any file has errors, 2 on bad usage or a missing
// validator.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error('usage: node validate.mjs <node_modules dir> <file.glb>...');
  process.exit(2);
}

const require = createRequire(import.meta.url);
let validator;
try {
  validator = require(path.resolve(modules, 'gltf-validator'));
} catch (error) {
  console.error(`cannot load gltf-validator from ${modules}: ${error.message}`);
  process.exit(2);
}

const SEVERITY = ['error', 'warning', 'info', 'hint'];
let failed = false;
for (const file of files) {
  const report = await validator.validateBytes(new Uint8Array(readFileSync(file)), {
    uri: path.basename(file),
    maxIssues: 100,
  });
  const { numErrors, numWarnings, numInfos, messages } = report.issues;
  console.log(`${file}: numErrors=${numErrors} numWarnings=${numWarnings} numInfos=${numInfos}`);
  for (const issue of messages) {
    const where = issue.pointer ? ` at ${issue.pointer}` : '';
    console.log(`  ${SEVERITY[issue.severity] ?? issue.severity} ${issue.code}: ${issue.message}${where}`);
  }
  if (numErrors > 0) failed = true;
}
process.exit(failed ? 1 : 0);
