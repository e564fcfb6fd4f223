"""The s3 reward for verl, computed by s3lab: a thin client of `s3lab serve reward`.

Why: at paper scale verl (Python, on Ray) trains the searcher, but the reward -- the generator's
context from the searcher's transcript, the generator call, GenAcc, the RAG-cache baseline -- is
s3lab's TypeScript code, shared with the lab-scale trainer and `s3lab eval`. This file only ships
verl's items to the server and hands back its numbers. Standard library only.

Entry points (all read the server address from S3LAB_REWARD_URL, default http://127.0.0.1:8765):

- compute_score(data_source, solution_str, ground_truth, extra_info=None) -> float
    verl's custom reward function (config: custom_reward_function.path=python/s3lab_reward.py,
    custom_reward_function.name=compute_score), called once per response by the naive manager.
- compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None) -> list[float]
    the same for verl's batch reward manager (reward_model.reward_manager=batch,
    custom_reward_function.name=compute_score_batch): one HTTP request per batch, so the
    generator answers the whole batch together.
- compute_score_rag(solution_str, ground_truth, zeroshot_answers, data_source,
                    use_utility_score=True, use_generation_score=True) -> (score, None, rag_score)
    a drop-in for `rag_2.compute_score_rag` in the s3 repository's verl fork (pat-jj/s3), whose
    `verl/trainer/main_ppo.py` has no custom_reward_function hook.

solution_str must be the decoded prompt + response (as the s3 fork's RewardManager decodes it):
the server reads the text after the prompt's start marker. Upstream verl's managers decode the
response alone; the server then answers 422, which this module raises as RewardServerError.

Settings (environment): S3LAB_REWARD_URL, S3LAB_REWARD_TIMEOUT (seconds per request, default 600),
S3LAB_REWARD_RETRIES (attempts when the server is unreachable or answers 5xx, default 3). A 503 (the
server is busy) is waited out as its Retry-After says, within the timeout, without using an attempt.

Example:
    >>> import os; os.environ["S3LAB_REWARD_URL"] = "http://127.0.0.1:8765"
    >>> compute_score("nq", prompt_and_response, {"target": ["Paris"]})   # doctest: +SKIP
    1.0
"""

import json
import os
import random
import time
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8765"

__all__ = ["RewardServerError", "compute_score", "compute_score_batch", "compute_score_rag", "score_items"]


class RewardServerError(RuntimeError):
    """The reward server could not be reached, or refused the request (its message says why)."""


def _url():
    return os.environ.get("S3LAB_REWARD_URL", DEFAULT_URL).rstrip("/")


def _plain(value):
    """ground_truth as JSON: numpy arrays (verl stores lists so) become lists, numpy scalars numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy.ndarray and numpy scalars
        return _plain(value.tolist())
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def _item(data_source, solution_str, ground_truth, extra_info=None):
    item = {"solution_str": solution_str, "ground_truth": _plain(ground_truth)}
    if data_source is not None:
        item["data_source"] = str(data_source)
    if isinstance(extra_info, dict) and isinstance(extra_info.get("question"), str):
        item["question"] = extra_info["question"]
    return item


def score_items(items):
    """POSTs items to {S3LAB_REWARD_URL}/reward and returns the server's answer:
    {"reward": "gbr", "scores": [...], "details": [{"genacc", "ragGenacc", "gbr", "documents", "question", ...}]}.

    >>> score_items([{"solution_str": text, "ground_truth": {"target": ["1282"]}, "data_source": "lab"}])  # doctest: +SKIP
    """
    url = _url() + "/reward"
    timeout = float(os.environ.get("S3LAB_REWARD_TIMEOUT", "600"))
    attempts = max(1, int(os.environ.get("S3LAB_REWARD_RETRIES", "3")))
    body = json.dumps({"items": items}).encode("utf-8")
    problem = None
    # A 503 is the server's admission bound saying "busy, come back after Retry-After": it is waited
    # out (with jitter, so many verl workers do not return together) until the timeout, and does not
    # count as a failed attempt; only real failures (5xx, network) use up the retries.
    deadline = time.monotonic() + timeout
    attempt = 0
    wait = 0.0
    while attempt < attempts:
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(url, data=body, headers={"content-type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=max(1.0, deadline - time.monotonic())) as response:
                answer = json.loads(response.read().decode("utf-8"))
            if len(answer.get("scores", [])) != len(items):
                raise RewardServerError("s3lab reward server at %s answered %d scores for %d items" % (url, len(answer.get("scores", [])), len(items)))
            return answer
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            try:
                message = json.loads(text).get("error", text)
            except ValueError:
                message = text
            problem = "HTTP %d: %s" % (error.code, message)
            if error.code == 503 and time.monotonic() < deadline:
                wait = min(deadline - time.monotonic(), _retry_after(error.headers.get("retry-after")) * (1.0 + random.random()))
                continue
            if error.code < 500:  # the request itself is wrong: retrying cannot help
                raise RewardServerError("s3lab reward server at %s refused the request: %s" % (url, problem)) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
            problem = str(getattr(error, "reason", error))
        attempt += 1
        wait = min(30.0, 2.0 ** attempt)
    raise RewardServerError(
        "s3lab reward server at %s is unreachable or failing after %d attempt(s): %s "
        "(start it with `s3lab serve reward ...`, or set S3LAB_REWARD_URL)" % (url, attempts, problem)
    )


def _retry_after(value):
    """Seconds from a Retry-After header (1 when absent or not a number of seconds)."""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 1.0


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's custom reward function: the reward (GBR, or GBR + GenAcc as the server is set) of one response."""
    return float(score_items([_item(data_source, solution_str, ground_truth, extra_info)])["scores"][0])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """verl's batch reward function: the rewards of a whole batch, in one request."""
    n = len(solution_strs)
    extras = list(extra_infos) if extra_infos is not None else [None] * n
    if not (len(data_sources) == len(ground_truths) == len(extras) == n):
        raise ValueError("compute_score_batch: %d data_sources, %d solution_strs, %d ground_truths, %d extra_infos" % (len(data_sources), n, len(ground_truths), len(extras)))
    if n == 0:
        return []
    items = [_item(d, s, g, e) for d, s, g, e in zip(data_sources, solution_strs, ground_truths, extras)]
    return [float(score) for score in score_items(items)["scores"]]


def compute_score_rag(solution_str, ground_truth, zeroshot_answers=None, data_source=None, use_utility_score=True, use_generation_score=True):
    """Drop-in for `rag_2.compute_score_rag` of the s3 fork: (score, None, naive-RAG GenAcc).

    The RAG cache is the server's, so `zeroshot_answers` is ignored. The fork's switches must
    agree with the server's --reward (USE_UTILITY_SCORE only: gbr; both: gbr+genacc), else this
    raises rather than train on a reward other than the one the server records.
    """
    if use_utility_score and use_generation_score:
        wanted = "gbr+genacc"
    elif use_utility_score:
        wanted = "gbr"
    else:
        raise ValueError("s3lab serves GBR-based rewards: set USE_UTILITY_SCORE=True (and USE_GENERATION_SCORE for gbr+genacc)")
    answer = score_items([_item(data_source, solution_str, ground_truth)])
    if answer.get("reward") != wanted:
        raise RewardServerError(
            "main_ppo.py's USE_UTILITY_SCORE=%s, USE_GENERATION_SCORE=%s ask for %s, but the server at %s computes %s "
            "(restart it with --reward %s)" % (use_utility_score, use_generation_score, wanted, _url(), answer.get("reward"), wanted)
        )
    return float(answer["scores"][0]), None, answer["details"][0]["ragGenacc"]
