// The kernel's log, read on from `X-Next-Offset` while the job runs.
import { useCallback, useEffect, useRef, useState } from "react";
import { apiText } from "../api/client";
import { useT } from "../i18n";
import { ErrorBox } from "./ui";

const MAX_CHARS = 400_000; // keep the page light on very long logs: the newest part is shown

export function LogView({ jobId, live }: { jobId: string; live: boolean }) {
  const t = useT();
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>();
  const offset = useRef(0);
  const busy = useRef(false);
  const box = useRef<HTMLPreElement>(null);

  const poll = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      for (;;) {
        const { text: part, headers } = await apiText(`/jobs/${jobId}/logs?offset=${offset.current}`);
        const next = Number(headers.get("X-Next-Offset") ?? offset.current);
        if (next < offset.current) {
          offset.current = 0; // the log was replaced: read it again
          setText("");
          continue;
        }
        offset.current = next;
        if (!part) break;
        setText((old) => (old + part).slice(-MAX_CHARS));
        if (part.length < 1024 * 1024) break;
      }
      setError(undefined);
    } catch (exc) {
      setError(exc);
    } finally {
      busy.current = false;
    }
  }, [jobId]);

  useEffect(() => {
    offset.current = 0;
    setText("");
    void poll();
  }, [poll]);

  useEffect(() => {
    if (!live) {
      void poll();
      return;
    }
    const id = window.setInterval(() => void poll(), 2000);
    return () => window.clearInterval(id);
  }, [live, poll]);

  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <div>
      <ErrorBox error={error} />
      <pre className="log" ref={box} data-testid="log">
        {text || t("detail.noLogs")}
      </pre>
    </div>
  );
}
