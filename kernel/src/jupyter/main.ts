// The command in kernel.json's argv: `node kernel/dist/jupyter/main.js CONNECTION_FILE`.
import { startKernel } from './start.js';

const connectionFile = process.argv[2];
if (!connectionFile) {
  process.stderr.write('usage: node kernel/dist/jupyter/main.js CONNECTION_FILE (Jupyter passes {connection_file})\n');
  process.exit(2);
}
await startKernel(connectionFile);
