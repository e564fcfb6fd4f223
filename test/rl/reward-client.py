# Drives python/s3lab_reward.py as verl would, against a running `s3lab serve reward`, and prints
# what it got as JSON for test/rl/reward-server.test.ts to compare with the server's own numbers.
# Usage: python3 reward-client.py ITEMS.json CLOSED_URL   (S3LAB_REWARD_URL names the server)
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import s3lab_reward  # noqa: E402


class FakeArray:
    """What verl hands over for a list column read from parquet: a numpy array (tolist())."""

    def __init__(self, values):
        self.values = values

    def tolist(self):
        return list(self.values)


def error_of(call):
    try:
        call()
    except s3lab_reward.RewardServerError as error:
        return str(error)
    return None


items = json.load(open(sys.argv[1]))
closed_url = sys.argv[2]
ground_truths = [dict(item["ground_truth"], target=FakeArray(item["ground_truth"]["target"])) for item in items]
sources = [item["data_source"] for item in items]
texts = [item["solution_str"] for item in items]
out = {
    "single": [s3lab_reward.compute_score(d, s, g, extra_info={"split": "train", "index": i}) for i, (d, s, g) in enumerate(zip(sources, texts, ground_truths))],
    "batch": s3lab_reward.compute_score_batch(sources, texts, ground_truths, [None] * len(items)),
    "rag": list(s3lab_reward.compute_score_rag(texts[0], ground_truths[0], {}, sources[0], use_utility_score=True, use_generation_score=False)),
    "mismatch": error_of(lambda: s3lab_reward.compute_score_rag(texts[0], ground_truths[0], {}, sources[0])),
    "refused": error_of(lambda: s3lab_reward.compute_score(sources[0], "no marker here", ground_truths[0])),
}
os.environ["S3LAB_REWARD_URL"] = closed_url
os.environ["S3LAB_REWARD_RETRIES"] = "1"
out["unreachable"] = error_of(lambda: s3lab_reward.compute_score(sources[0], texts[0], ground_truths[0]))
print(json.dumps(out))
