/**
 * The bridge to verl, the RL engine that trains the 7B searcher at paper scale: s3lab serves the
 * reward over HTTP (`s3lab serve reward`) and `python/s3lab_reward.py` is the function verl calls.
 * See docs/paper-scale-training.md for the whole run.
 *
 * @example
 * ```ts
 * import { startRewardServer } from '@s3lab/toolkit';
 * const server = await startRewardServer({ generator, ragCache: 'rag-cache.jsonl', port: 8765 });
 * ```
 */
export { startRewardServer } from './reward-server.js';
export type { RewardServerOptions, RunningRewardServer } from './reward-server.js';
export { RewardService, RewardRequestError, SERVED_REWARDS, rewardItemSchema } from './reward-service.js';
export type { RewardServiceOptions, RewardItem, RewardItemDetail, RewardResult, ServedReward } from './reward-service.js';
