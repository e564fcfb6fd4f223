"""The batching and learning-rate schedule shared by the lab models' PyTorch training scripts
(train_lab_generator.py, train_lab_searcher.py), as s3lab's trainSft does them (groupByLength, 'cosine')."""
import math
import random


def length_grouped_batches(examples, batch_size: int, rng: random.Random, length):
    """Endless batches of similar length: 32 batches' worth drawn at random, sorted by length, cut, shuffled."""
    order: list[int] = []
    while True:
        pool = []
        for _ in range(batch_size * 32):
            if not order:
                order = list(range(len(examples)))
                rng.shuffle(order)
            pool.append(examples[order.pop()])
        pool.sort(key=length)
        group = [pool[i:i + batch_size] for i in range(0, len(pool), batch_size)]
        rng.shuffle(group)
        yield from group


def warmup_cosine_lr(step: int, peak: float, warmup: int, steps: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak by the last step."""
    if step <= warmup:
        return peak * step / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))
