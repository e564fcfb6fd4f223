/** The fastest of `repeats` runs of `run` (the usual way to time a step with noise from the machine). */
export async function best<T>(repeats: number, run: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  let result: { value: T; seconds: number } | undefined;
  for (let i = 0; i < Math.max(1, repeats); i++) {
    const started = performance.now();
    const value = await run();
    const seconds = (performance.now() - started) / 1000;
    if (result === undefined || seconds < result.seconds) result = { value, seconds };
  }
  return result as { value: T; seconds: number };
}
