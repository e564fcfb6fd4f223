export { useTfjsBackend, TFJS_BACKENDS, type TfjsBackendName, tf } from './backend.js';
