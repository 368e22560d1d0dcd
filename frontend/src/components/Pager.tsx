import { useT } from "../i18n";

export function Pager(props: { offset: number; limit: number; total: number; onChange: (offset: number) => void }) {
  const t = useT();
  const { offset, limit, total } = props;
  if (total <= limit && offset === 0) return null;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <div className="pager" data-testid="pager">
      <button disabled={offset === 0} onClick={() => props.onChange(Math.max(0, offset - limit))}>
        ‹ {t("common.prev")}
      </button>
      <span>{t("common.pageOf", { from, to, total })}</span>
      <button disabled={offset + limit >= total} onClick={() => props.onChange(offset + limit)}>
        {t("common.next")} ›
      </button>
    </div>
  );
}
