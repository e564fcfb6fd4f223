export { loadEncoder, type Encoder, type EncoderOptions } from './encoder.js';
export { meanPoolNormalize } from './pooling.js';
export { DEFAULT_MAX_LENGTH } from './config.js';
