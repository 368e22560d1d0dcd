import { useCallback, useEffect, useRef, useState } from "react";

export interface OffsetPolling<T> {
  /** What has been read so far (`initial` until the first read answers). */
  value: T;
  /** The last read's error; cleared by the next read that succeeds. */
  error: unknown;
  /** Reads on now (on a live event, say); does nothing while a read is under way. */
  poll: () => void;
}

/**
 * Reads a job's growing output (its log, its metric files) on from where the last read
 * stopped: `read` gets what was read so far, holding its offsets, and returns it extended.
 * It reads at once, every `everyMs` while `live`, and once more when `live` ends (the last
 * rows, written just before the job did); never two reads at a time. A new `key` (another
 * job) starts over from `initial`, and what a read of the old key answers late is dropped.
 */
export function useOffsetPolling<T>(
  key: string,
  initial: T,
  read: (current: T) => Promise<T>,
  { live, everyMs }: { live: boolean; everyMs: number },
): OffsetPolling<T> {
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<unknown>();
  // The reading of one key; replaced (not changed) when the key changes, so a late answer
  // can tell that it is stale by comparing with it.
  const reading = useRef({ value: initial });
  const busy = useRef<object | null>(null);
  const latestRead = useRef(read);
  latestRead.current = read;

  const poll = useCallback(async () => {
    const started = reading.current;
    if (busy.current === started) return;
    busy.current = started;
    try {
      const next = await latestRead.current(started.value);
      if (reading.current !== started) return;
      started.value = next;
      setValue(next);
      setError(undefined);
    } catch (exc) {
      if (reading.current === started) setError(exc);
    } finally {
      if (busy.current === started) busy.current = null;
    }
  }, []);

  useEffect(() => {
    reading.current = { value: initial };
    setValue(initial);
    void poll();
    // `initial` is the same start for every key.
  }, [key, poll]);

  useEffect(() => {
    if (!live) {
      void poll();
      return;
    }
    const id = window.setInterval(() => void poll(), everyMs);
    return () => window.clearInterval(id);
  }, [live, everyMs, key, poll]);

  return { value, error, poll };
}
