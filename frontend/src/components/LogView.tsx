// The kernel's log, read on from `X-Next-Offset` while the job runs.
import { useEffect, useRef } from "react";
import { apiText } from "../api/client";
import { useT } from "../i18n";
import { useOffsetPolling } from "../lib/useOffsetPolling";
import { ErrorBox } from "./ui";

const MAX_CHARS = 400_000; // keep the page light on very long logs: the newest part is shown
const CHUNK = 1024 * 1024; // the most one answer holds: a full one means there is more

interface Log {
  offset: number;
  text: string;
}

const NOTHING_YET: Log = { offset: 0, text: "" };

async function readOn(jobId: string, log: Log): Promise<Log> {
  let { offset, text } = log;
  for (;;) {
    const { text: part, headers } = await apiText(`/jobs/${jobId}/logs?offset=${offset}`);
    const next = Number(headers.get("X-Next-Offset") ?? offset);
    if (next < offset) {
      offset = 0; // the log was replaced: read it again
      text = "";
      continue;
    }
    offset = next;
    if (!part) break;
    text = (text + part).slice(-MAX_CHARS);
    if (part.length < CHUNK) break;
  }
  return { offset, text };
}

export function LogView({ jobId, live }: { jobId: string; live: boolean }) {
  const t = useT();
  const log = useOffsetPolling(jobId, NOTHING_YET, (current) => readOn(jobId, current), { live, everyMs: 2000 });
  const box = useRef<HTMLPreElement>(null);
  const text = log.value.text;

  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <div>
      <ErrorBox error={log.error} />
      <pre className="log" ref={box} data-testid="log">
        {text || t("detail.noLogs")}
      </pre>
    </div>
  );
}
